// LogQL metric queries as an alerting rule or Grafana sends them: lines pushed to a real vigied
// through Loki's push API, then the alert-rule shapes asked on /loki/api/v1/query and
// query_range, and the answers checked against what the test pushed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kSecond = kNanosPerSecond;
const char* const kStatuses[] = {"200", "404", "500"};

// service="front": access lines, every third a 404. a="b": JSON lines with a status.
struct Pushed {
  int64_t base = 0;                      // Whole second, a few minutes ago.
  std::vector<int64_t> front_404;        // Times of the front lines with " 404 ".
  std::vector<int64_t> front_all;        // Times of every front line.
  std::map<std::string, int> by_status;  // a="b" lines per status, all within [base, base+60s).
};

class LokiMetricQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new Vigied(dir_->path() + "/data");
    server_->Start();
    pushed_.base = (NowNanos() / kSecond - 600) * kSecond;
    json front = json::array(), app = json::array();
    for (int i = 0; i < 450; ++i) {
      int64_t ts = pushed_.base + int64_t{i} * 130'000'000;  // 130 ms apart: 58.5 s in all.
      bool not_found = i % 3 == 1;
      front.push_back({std::to_string(ts), StrCat("10.0.0.", i % 7, " GET /p", i,
                                                  not_found ? " 404 " : " 200 ", 100 + i)});
      pushed_.front_all.push_back(ts);
      if (not_found) pushed_.front_404.push_back(ts);
      const char* status = kStatuses[(i * 7) % 3 == 0 ? 0 : i % 3];
      app.push_back({std::to_string(ts), StrCat(R"({"status":")", status, R"(","n":)", i, "}")});
      ++pushed_.by_status[status];
    }
    json push = {
        {"streams", json::array({{{"stream", {{"service", "front"}}}, {"values", front}},
                                 {{"stream", {{"a", "b"}, {"pod", "p1"}}}, {"values", app}}})}};
    HttpReply stored = HttpCall(server_->http_address(), "POST", "/loki/api/v1/push", push.dump(),
                                {{"Content-Type", "application/json"}});
    ASSERT_EQ(stored.status, 204u) << stored.body;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // GET `path` with `params`; the parsed body and the status.
  static std::pair<unsigned, json> Get(const std::string& path, const Headers& params) {
    HttpReply reply = HttpCall(server_->http_address(), "GET", path + "?" + QueryString(params));
    json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    return {reply.status, body};
  }

  static inline TempDir* dir_ = nullptr;
  static inline Vigied* server_ = nullptr;
  static inline Pushed pushed_;
};

int CountIn(const std::vector<int64_t>& times, int64_t end, int64_t range) {
  int n = 0;
  for (int64_t ts : times) n += ts > end - range && ts <= end;
  return n;
}

TEST_F(LokiMetricQueryTest, CountAboveThresholdFiresWithItsValue) {
  const std::string rule = R"(sum(count_over_time({service="front"} |~ " 404 " [1m])) > 100)";
  const int64_t at = pushed_.base + 60 * kSecond;
  const int expected = CountIn(pushed_.front_404, at, 60 * kSecond);
  ASSERT_GT(expected, 100) << "the data must make the rule fire";
  auto [status, body] = Get("/loki/api/v1/query", {{"query", rule}, {"time", std::to_string(at)}});
  ASSERT_EQ(status, 200u) << body.dump();
  EXPECT_EQ(body["data"]["resultType"], "vector");
  ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
  const json& sample = body["data"]["result"][0];
  EXPECT_EQ(sample["metric"], json::object());
  EXPECT_EQ(sample["value"][1], std::to_string(expected));
  EXPECT_DOUBLE_EQ(sample["value"][0].get<double>(), static_cast<double>(at) / kSecond);

  // Above the count, nothing: the rule does not fire.
  auto [quiet_status, quiet] =
      Get("/loki/api/v1/query",
          {{"query", R"(sum(count_over_time({service="front"} |~ " 404 " [1m])) > )" +
                         std::to_string(expected)},
           {"time", std::to_string(at)}});
  ASSERT_EQ(quiet_status, 200u) << quiet.dump();
  EXPECT_EQ(quiet["data"]["result"], json::array());

  // The same over a range: a point at each step where the count is above 100.
  const int64_t start = pushed_.base + 20 * kSecond, end = pushed_.base + 80 * kSecond;
  auto [range_status, range] = Get("/loki/api/v1/query_range", {{"query", rule},
                                                                {"start", std::to_string(start)},
                                                                {"end", std::to_string(end)},
                                                                {"step", "10"}});
  ASSERT_EQ(range_status, 200u) << range.dump();
  EXPECT_EQ(range["data"]["resultType"], "matrix");
  json want = json::array();
  for (int64_t t = start; t <= end; t += 10 * kSecond) {
    int n = CountIn(pushed_.front_404, t, 60 * kSecond);
    if (n > 100) want.push_back({static_cast<double>(t) / kSecond, std::to_string(n)});
  }
  ASSERT_FALSE(want.empty());
  ASSERT_EQ(range["data"]["result"].size(), 1u) << range.dump();
  EXPECT_EQ(range["data"]["result"][0]["values"], want);
}

TEST_F(LokiMetricQueryTest, ShareOfEachStatusWithGroupLeft) {
  const std::string rule =
      R"(sum by (status) (rate({a="b"} | json [5m])) / ignoring(status) group_left sum(rate({a="b"} [5m])))";
  const int64_t at = pushed_.base + 120 * kSecond;
  auto [status, body] = Get("/loki/api/v1/query", {{"query", rule}, {"time", std::to_string(at)}});
  ASSERT_EQ(status, 200u) << body.dump();
  std::map<std::string, double> got;
  for (const json& sample : body["data"]["result"]) {
    ASSERT_EQ(sample["metric"].size(), 1u) << sample.dump();  // Only status: group_left keeps it.
    got[sample["metric"]["status"]] = std::stod(sample["value"][1].get<std::string>());
  }
  int total = 0;
  for (const auto& [s, n] : pushed_.by_status) total += n;
  ASSERT_EQ(got.size(), pushed_.by_status.size()) << body.dump();
  for (const auto& [s, n] : pushed_.by_status) {
    EXPECT_NEAR(got[s], static_cast<double>(n) / total, 1e-9) << s;
  }
}

TEST_F(LokiMetricQueryTest, ScalarsVectorsAndErrors) {
  const std::string at = std::to_string(pushed_.base + 60 * kSecond);
  // Grafana's connection test.
  auto [health_status, health] =
      Get("/loki/api/v1/query", {{"query", "vector(1)+vector(1)"}, {"time", at}});
  ASSERT_EQ(health_status, 200u) << health.dump();
  EXPECT_EQ(health["data"]["resultType"], "vector");
  EXPECT_EQ(health["data"]["result"][0]["value"][1], "2");
  auto [scalar_status, scalar] = Get("/loki/api/v1/query", {{"query", "2 * 3"}, {"time", at}});
  ASSERT_EQ(scalar_status, 200u) << scalar.dump();
  EXPECT_EQ(scalar["data"]["resultType"], "scalar");
  EXPECT_EQ(scalar["data"]["result"][1], "6");
  // A syntax error names what is wrong, with a 400.
  auto [bad_status, bad] =
      Get("/loki/api/v1/query",
          {{"query", R"(sum(count_over_time({service="front"}[1m])) >)"}, {"time", at}});
  EXPECT_EQ(bad_status, 400u);
  EXPECT_THAT(bad.dump(), HasSubstr("unexpected end of input"));
  // A value that is no number fails the query as Loki does, saying how to skip such lines.
  auto [error_status, error] = Get(
      "/loki/api/v1/query",
      {{"query",
        R"q(sum(sum_over_time({service="front"} | regexp "GET (?P<path>\\S+)" | unwrap path [1m])))q"},
       {"time", at}});
  EXPECT_EQ(error_status, 400u);
  EXPECT_THAT(error.dump(), HasSubstr("SampleExtractionErr"));
}

}  // namespace
}  // namespace vigie::testing
