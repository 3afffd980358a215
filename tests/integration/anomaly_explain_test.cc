// `vigie anomaly explain` against a real vigied: a daily curve sent over remote_write with a drop
// at its end, and a LogQL metric query; the CLI draws the band its detector learns and names the
// anomalous points.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/time.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

// Logins per minute with a daily shape (40 at night, 160 in the evening) and a little noise,
// for three days up to `end_ms`; over the last `drop_minutes` they fall to a quarter.
WriteSeries LoginCurve(int64_t end_ms, int drop_minutes) {
  WriteSeries series{{{"__name__", "logins_per_minute"}, {"service", "accounts"}}, {}};
  for (int64_t t = end_ms - 3 * kDayMs; t <= end_ms; t += kMinuteMs) {
    double phase = 2 * M_PI * static_cast<double>(t % kDayMs) / kDayMs;
    double value =
        100 + 60 * std::sin(phase) + 4 * std::sin(static_cast<double>(t / kMinuteMs) * 1.7);
    if (t > end_ms - drop_minutes * kMinuteMs) value /= 4;
    series.samples.emplace_back(t, std::round(value));
  }
  return series;
}

TEST(AnomalyExplainTest, FlagsTheDropAndNothingElse) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  const int64_t end_ms = NowNanos() / kNanosPerMilli / kMinuteMs * kMinuteMs;
  const int kDrop = 30;
  HttpReply reply =
      RemoteWrite(server.http_address(), MakeWriteRequest({LoginCurve(end_ms, kDrop)}));
  ASSERT_EQ(reply.status, 204u) << reply.body;

  std::string out, err;
  ASSERT_EQ(Vigie(server,
                  {"anomaly", "explain", "logins_per_minute", "--since", "3d", "--step", "1m",
                   "--until", std::to_string(end_ms / 1000), "--direction", "down", "-o", "json"},
                  &out, &err),
            0)
      << err;
  Json answer = Json::parse(out);
  ASSERT_EQ(answer["series"].size(), 1u) << out.substr(0, 500);
  const Json& series = answer["series"][0];
  EXPECT_EQ(series["labels"]["service"], "accounts");
  const Json& points = series["points"];
  ASSERT_GE(points.size(), 4000u);
  EXPECT_TRUE(points.front()["learning"].get<bool>());
  EXPECT_FALSE(points.back()["learning"].get<bool>());
  // The drop's first minute is the first point sent below the curve.
  const int64_t drop_start_ms = end_ms - (kDrop - 1) * kMinuteMs;
  int anomalous = 0;
  for (const Json& p : points) {
    if (!p["anomalous"].get<bool>()) continue;
    ++anomalous;
    const int64_t at_ms = ParseTime(p["time"].get<std::string>()).value() / kNanosPerMilli;
    EXPECT_GE(at_ms, drop_start_ms) << "a point before the drop is anomalous: " << p;
    // --direction down: below the expected value (the combined detector may flag a point inside
    // the band, by its shift signal).
    EXPECT_LT(p["value"].get<double>(), p["expected"].get<double>()) << p;
  }
  EXPECT_GE(anomalous, 3) << "the drop is not flagged";

  // The chart names the anomalous points in a table.
  ASSERT_EQ(Vigie(server,
                  {"anomaly", "explain", "logins_per_minute", "--since", "3d", "--until",
                   std::to_string(end_ms / 1000), "--direction", "down"},
                  &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("anomalous points of"), std::string::npos) << out;
  EXPECT_NE(out.find("TIME"), std::string::npos) << out;
  EXPECT_NE(out.find("logins_per_minute{service=\"accounts\"}"), std::string::npos) << out;
}

TEST(AnomalyExplainTest, LogQueriesAndErrors) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string path = dir.path() + "/app.log";
  std::ofstream(path) << "login ok\nlogin ok\nlogin failed\n";
  std::string out, err;
  ASSERT_EQ(Vigie(server, {"push", "--label", "app=accounts", path}, nullptr, &err), 0) << err;

  // A LogQL metric query runs as the log rules' do; an hour of data is still warm-up.
  ASSERT_EQ(Vigie(server,
                  {"anomaly", "explain",
                   R"(sum(count_over_time({app="accounts"} |= "login" [1m])))", "--since", "1h"},
                  &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("still learning"), std::string::npos) << out;

  EXPECT_EQ(Vigie(server, {"anomaly", "explain", "sum(rate(x[5m])"}, &out, &err), 2);
  EXPECT_NE(err.find("parse error"), std::string::npos) << err;
  EXPECT_EQ(Vigie(server, {"anomaly", "explain", "nothing_stored_here"}, &out, &err), 1);
  EXPECT_NE(err.find("no series"), std::string::npos) << err;
  EXPECT_EQ(Vigie(server, {"anomaly", "explain", "up", "--sensitivity", "extreme"}, &out, &err), 2);
  EXPECT_NE(err.find("extreme"), std::string::npos) << err;
  // A value the flag's own check refuses is a usage error too (exit 2, not CLI11's 105).
  EXPECT_EQ(Vigie(server, {"anomaly", "explain", "up", "--detector", "nope"}, &out, &err), 2);
  EXPECT_NE(err.find("nope"), std::string::npos) << err;
}

}  // namespace
}  // namespace vigie::testing
