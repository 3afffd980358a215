// anomaly: and backlog: rules in a real vigied, with the recording receiver: a login curve of
// several days written over remote_write (timestamps in the past) and learnt with `vigie
// anomaly backfill` fires LoginsAnomalous when it drops, with its band in the message, and not
// when it does not; the detectors survive kill -9 (the drop fires after a restart without a new
// backfill); a queue whose depth rises while nothing is processed fires QueueNotDraining, which
// resolves when the queue drains.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "tests/alerts/rules/it_util.h"
#include "tests/http/http_client.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/harness.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

// Logins per minute: between 200 (night) and 400 (evening), never near the drop's 41, with a
// little deterministic noise; any time of day the test runs at is a normal time.
double Logins(int64_t ts_ms) {
  double phase = static_cast<double>(ts_ms % kDayMs) / kDayMs;
  double noise = static_cast<double>((ts_ms / kMinuteMs * 2654435761u) % 1000) / 1000 - 0.5;
  return 300 - 100 * std::cos(2 * std::numbers::pi * (phase - 0.125)) + 6 * noise;
}

void Write(const Vigied& server, const std::vector<WriteSeries>& series) {
  HttpReply reply = RemoteWrite(server.http_address(), MakeWriteRequest(series));
  ASSERT_EQ(reply.status, 204u) << reply.error << reply.body;
}

// The curve, one sample a minute over the `days` before `end_ms`.
void WriteHistory(const Vigied& server, int64_t end_ms, int days) {
  WriteSeries s{{{"__name__", "logins_per_minute"}, {"service", "accounts"}}, {}};
  for (int64_t t = end_ms - days * kDayMs; t < end_ms; t += kMinuteMs) {
    s.samples.push_back({t, Logins(t)});
  }
  Write(server, {s});
}

void WriteLogins(const Vigied& server, double value) {
  Write(server, {{{{"__name__", "logins_per_minute"}, {"service", "accounts"}},
                  {{NowNanos() / 1'000'000, value}}}});
}

const char* kAnomalyRules = R"(groups:
  - name: accounts
    interval: 1s
    rules:
      - alert: LoginsAnomalous
        anomaly: {expr: 'sum by (service) (logins_per_minute)', direction: down}
        for: 1s
        labels: {severity: page}
        annotations:
          summary: 'logins {{ printf "%.0f" $value }}/min, expected {{ printf "%.0f" .Anomaly.Lower }}–{{ printf "%.0f" .Anomaly.Upper }}'
)";

std::string NotifyConfig(const RecordingReceiver& receiver) {
  return StrCat(R"(route:
  receiver: hook
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs: [{url: ")",
                receiver.Url("/hook"), R"("}]
)");
}

// The rule's "anomaly" status in /api/v1/rules.
json AnomalyStatus(const Vigied& server) {
  json rules = GetJson(server, "/api/v1/rules?type=alert");
  if (!rules.contains("data") || rules["data"]["groups"].empty()) return json();
  return rules["data"]["groups"][0]["rules"][0].value("anomaly", json());
}

std::string Backfill(const Vigied& server) {
  std::string out, err;
  int code = RunCommand({BinaryPath("cli/vigie"), "anomaly", "backfill", "LoginsAnomalous",
                         "--since", "3d", "--url", server.http_address()},
                        &out, "", &err);
  EXPECT_EQ(code, 0) << out << err;
  return out;
}

// The webhook messages (Alertmanager v4 payloads) received so far with `status`.
std::vector<json> Messages(const RecordingReceiver& receiver, const std::string& status) {
  std::vector<json> out;
  for (const auto& r : receiver.Requests()) {
    json body = json::parse(r.body, nullptr, false);
    if (!body.is_discarded() && body.value("status", "") == status) out.push_back(body);
  }
  return out;
}

class AnomalyRulesTest : public ::testing::Test {
 protected:
  AnomalyRulesTest() : receiver_(dir_) {
    WriteFile(dir_.path() + "/rules.yaml", kAnomalyRules);
    WriteFile(dir_.path() + "/notify.yaml", NotifyConfig(receiver_));
  }

  // Starts vigied, writes three days of history and learns it with `vigie anomaly backfill`.
  void StartAndLearn() {
    server_.Start();
    WriteHistory(server_, NowNanos() / 1'000'000, 3);
    // Before the backfill the rule's detector is new: it learns, does not fire, and says so.
    ASSERT_TRUE(WaitFor([&] { return AnomalyStatus(server_).value("series", 0) == 1; },
                        std::chrono::seconds(20)));
    EXPECT_EQ(AnomalyStatus(server_)["learning"], 1);
    std::string alerts, alerts_err;
    EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "alerts", "--url", server_.http_address()},
                         &alerts, "", &alerts_err),
              0);
    EXPECT_THAT(alerts_err, HasSubstr("LoginsAnomalous is learning 1 of 1 series"));
    std::string out = Backfill(server_);
    EXPECT_THAT(out, HasSubstr("1 series learnt from")) << out;
    EXPECT_THAT(out, ::testing::Not(HasSubstr("still learning"))) << out;
    json status = AnomalyStatus(server_);
    EXPECT_EQ(status["series"], 1) << status;
    EXPECT_EQ(status["learning"], 0) << status;
  }

  TempDir dir_;
  RecordingReceiver receiver_;
  Vigied server_{
      dir_.path() + "/data",
      {"--rules", dir_.path() + "/rules.yaml", "--notify", dir_.path() + "/notify.yaml"}};
};

// Waits for the firing LoginsAnomalous message; checks its band annotations.
void ExpectDropMessage(const RecordingReceiver& receiver) {
  ASSERT_TRUE(
      WaitFor([&] { return !Messages(receiver, "firing").empty(); }, std::chrono::seconds(20)));
  json alert = Messages(receiver, "firing")[0]["alerts"][0];
  EXPECT_EQ(alert["labels"]["alertname"], "LoginsAnomalous");
  EXPECT_EQ(alert["labels"]["service"], "accounts");
  const json& a = alert["annotations"];
  EXPECT_EQ(a["anomaly_value"], "41");
  EXPECT_GT(std::stod(a["anomaly_lower"].get<std::string>()), 41) << a;
  EXPECT_LT(std::stod(a["anomaly_deviation"].get<std::string>()), 0) << a;
  EXPECT_THAT(a["anomaly_summary"].get<std::string>(), HasSubstr("41, expected "));
  EXPECT_THAT(a["anomaly_summary"].get<std::string>(), HasSubstr("below the band"));
  EXPECT_THAT(a["summary"].get<std::string>(), HasSubstr("logins 41/min, expected "));
}

TEST_F(AnomalyRulesTest, ALearntCurveFiresOnADropWithItsBand) {
  StartAndLearn();
  WriteLogins(server_, 41);
  ExpectDropMessage(receiver_);
  // The score and band are series that can be graphed.
  json band = GetJson(
      server_, "/api/v1/query?query=vigie_anomaly_lower%7Balertname%3D%22LoginsAnomalous%22%7D");
  ASSERT_EQ(band["data"]["result"].size(), 1u) << band;
  EXPECT_EQ(band["data"]["result"][0]["metric"]["service"], "accounts");
}

TEST_F(AnomalyRulesTest, TheSameCurveWithoutTheDropDoesNotFire) {
  StartAndLearn();
  int64_t written = NowNanos() / 1'000'000;
  WriteLogins(server_, Logins(written));
  // Several evaluations after the sample (the rule fires after 1s): still quiet.
  ASSERT_TRUE(WaitFor(
      [&] {
        json rules = GetJson(server_, "/api/v1/rules?type=alert");
        std::string last = rules["data"]["groups"][0]["rules"][0]["lastEvaluation"];
        auto ns = ParseTime(last);
        return ns.ok() && *ns / 1'000'000 > written + 3000;
      },
      std::chrono::seconds(20)));
  EXPECT_TRUE(GetJson(server_, "/api/v1/alerts")["data"]["alerts"].empty());
  EXPECT_TRUE(receiver_.Requests().empty());
}

TEST_F(AnomalyRulesTest, DetectorsSurviveKill9) {
  StartAndLearn();
  server_.Kill9();
  server_.Start();
  // No backfill: the restored detectors know the band, so the drop fires.
  WriteLogins(server_, 41);
  ExpectDropMessage(receiver_);
  EXPECT_EQ(AnomalyStatus(server_)["learning"], 0);
}

TEST(BacklogRulesTest, QueueNotDrainingFiresAndResolvesWhenTheQueueDrains) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  WriteFile(dir.path() + "/rules.yaml", R"(groups:
  - name: search
    interval: 1s
    rules:
      - alert: QueueNotDraining
        backlog: {depth: 'queue_depth{queue="algolia"}', processed: 'rate(queue_processed_total{queue="algolia"}[1m])', for: 1m}
        labels: {severity: page, service: search}
        annotations: {summary: '{{ $value }} messages waiting in {{ $labels.queue }}'}
)");
  WriteFile(dir.path() + "/notify.yaml", NotifyConfig(receiver));
  Vigied server(dir.path() + "/data",
                {"--rules", dir.path() + "/rules.yaml", "--notify", dir.path() + "/notify.yaml"});
  server.Start();
  // The last two minutes: the depth rises by 10 every 5 s, the processed counter stays at 500.
  const int64_t now = NowNanos() / 1'000'000;
  WriteSeries depth{{{"__name__", "queue_depth"}, {"queue", "algolia"}}, {}};
  WriteSeries processed{{{"__name__", "queue_processed_total"}, {"queue", "algolia"}}, {}};
  for (int i = 0; i <= 24; ++i) {
    int64_t t = now - 120'000 + i * 5000;
    depth.samples.push_back({t, 10.0 * i});
    processed.samples.push_back({t, 500});
  }
  Write(server, {depth, processed});
  ASSERT_TRUE(
      WaitFor([&] { return !Messages(receiver, "firing").empty(); }, std::chrono::seconds(20)))
      << server.Log();
  json alert = Messages(receiver, "firing")[0]["alerts"][0];
  EXPECT_EQ(alert["labels"]["alertname"], "QueueNotDraining");
  EXPECT_EQ(alert["labels"]["queue"], "algolia");
  EXPECT_EQ(alert["annotations"]["summary"], "240 messages waiting in algolia");

  // The workers come back and drain it.
  int64_t later = NowNanos() / 1'000'000;
  Write(server, {{depth.labels, {{later, 0}}}, {processed.labels, {{later, 740}}}});
  ASSERT_TRUE(
      WaitFor([&] { return !Messages(receiver, "resolved").empty(); }, std::chrono::seconds(20)))
      << server.Log();
  EXPECT_TRUE(GetJson(server, "/api/v1/alerts")["data"]["alerts"].empty());
}

}  // namespace
}  // namespace vigie::testing
