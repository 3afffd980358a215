// 500 alert instances through one route, with a real vigied and the recording receiver: a gauge
// with 500 series fed over remote_write, a rule that fires for each, and a route that groups by
// a label with 5 values. The receiver gets one webhook message per group and integration, each
// listing its 100 alerts (or the first max_alerts of them, the rest counted in truncatedAlerts),
// and nothing more while the rule keeps resending the same alerts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "tests/http/http_client.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using nlohmann::json;

constexpr int kShards = 5;
constexpr int kInstancesPerShard = 100;
constexpr int kCappedAlerts = 30;
constexpr int kGroupIntervalSeconds = 2;

// Polls the instant query `expr` until its first sample's value is `want` (or 20 s).
bool WaitForValue(const Vigied& vigied, const std::string& expr, const std::string& want) {
  for (int i = 0; i < 400; ++i) {
    HttpReply reply =
        HttpCall(vigied.http_address(), "GET", "/api/v1/query?query=" + UrlEncode(expr));
    json body = json::parse(reply.body, nullptr, false);
    if (!body.is_discarded() && body["data"]["result"].size() == 1 &&
        body["data"]["result"][0]["value"][1] == want) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The fingerprints of the alerts vigied's Alertmanager API lists, once it lists `n`.
std::set<std::string> ApiFingerprints(const Vigied& vigied, size_t n) {
  std::set<std::string> out;
  for (int i = 0; i < 400 && out.size() < n; ++i) {
    json alerts =
        json::parse(HttpCall(vigied.http_address(), "GET", "/api/v2/alerts").body, nullptr, false);
    out.clear();
    if (alerts.is_array()) {
      for (const json& alert : alerts) out.insert(alert["fingerprint"].get<std::string>());
    }
    if (out.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out;
}

TEST(AlertGroupingItTest, FiveHundredAlertsMakeOneMessagePerGroup) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  // The rule is loaded once all 500 series are stored, so that its first evaluation fires all
  // of them together (the groups then flush once, after group_wait, with all their alerts).
  std::string rules = WriteFile(dir, "rules.yaml", "groups: []\n");
  std::string notify = WriteFile(dir, "notify.yaml",
                                 StrCat(R"(
route:
  receiver: team
  group_by: [shard]
  group_wait: 1s
  group_interval: )",
                                        kGroupIntervalSeconds, R"(s
  repeat_interval: 1h
receivers:
  - name: team
    webhook_configs:
      - url: ')",
                                        receiver.Url("/all"), R"('
      - url: ')",
                                        receiver.Url("/capped"), R"('
        max_alerts: )",
                                        kCappedAlerts, "\n"));
  Vigied vigied(dir.path() + "/data", {"--rules", rules, "--notify", notify});
  vigied.Start();

  int64_t now_ms = NowNanos() / kNanosPerMilli;
  std::vector<WriteSeries> series;
  for (int s = 0; s < kShards; ++s) {
    for (int i = 0; i < kInstancesPerShard; ++i) {
      series.push_back(
          {{{"__name__", "load_level"}, {"shard", StrCat("s", s)}, {"instance", StrCat("i", i)}},
           {{now_ms - 1000, 1.0 + i}, {now_ms, 2.0 + i}}});
    }
  }
  ASSERT_EQ(RemoteWrite(vigied.http_address(), MakeWriteRequest(series)).status, 204u);
  ASSERT_TRUE(WaitForValue(vigied, "count(load_level)", "500")) << vigied.Log();

  WriteFile(dir, "rules.yaml", R"(groups:
  - name: load
    interval: 1s
    rules:
      - alert: HighLoad
        expr: load_level > 0
        labels: {severity: ticket}
        annotations: {summary: 'load {{ $value }} on {{ $labels.instance }}'}
)");
  ASSERT_EQ(HttpCall(vigied.http_address(), "POST", "/-/reload").status, 200u) << vigied.Log();

  const size_t expected = 2 * kShards;  // One message per group and webhook.
  auto got = receiver.WaitFor(expected, std::chrono::seconds(30));
  ASSERT_EQ(got.size(), expected) << vigied.Log();

  std::map<std::string, json> all, capped;  // By shard.
  for (const auto& request : got) {
    EXPECT_EQ(request.status, 200);
    json message = json::parse(request.body);
    std::string shard = message["groupLabels"].value("shard", "");
    EXPECT_EQ(message["groupLabels"], json({{"shard", shard}}));
    EXPECT_EQ(message["version"], "4");
    EXPECT_EQ(message["status"], "firing");
    auto& by_shard = request.path == "/all" ? all : capped;
    EXPECT_TRUE(by_shard.emplace(shard, std::move(message)).second)
        << "two messages for shard " << shard << " at " << request.path;
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kShards));
  ASSERT_EQ(capped.size(), static_cast<size_t>(kShards));

  std::set<std::string> fingerprints, instances;
  for (const auto& [shard, message] : all) {
    EXPECT_EQ(message["truncatedAlerts"], 0) << shard;
    ASSERT_EQ(message["alerts"].size(), static_cast<size_t>(kInstancesPerShard)) << shard;
    std::set<std::string> own;
    for (const json& alert : message["alerts"]) {
      EXPECT_EQ(alert["status"], "firing");
      EXPECT_EQ(alert["labels"]["alertname"], "HighLoad");
      EXPECT_EQ(alert["labels"]["shard"], shard) << "an alert in another shard's message";
      own.insert(alert["labels"]["instance"].get<std::string>());
      fingerprints.insert(alert["fingerprint"].get<std::string>());
      instances.insert(shard + "/" + alert["labels"]["instance"].get<std::string>());
    }
    EXPECT_EQ(own.size(), static_cast<size_t>(kInstancesPerShard)) << "repeated alerts " << shard;
    EXPECT_EQ(message["commonLabels"]["shard"], shard);
  }
  EXPECT_EQ(instances.size(), static_cast<size_t>(kShards * kInstancesPerShard));
  EXPECT_EQ(fingerprints.size(), static_cast<size_t>(kShards * kInstancesPerShard));
  // The payloads' fingerprints are the ones the API shows (Alertmanager's, both).
  EXPECT_EQ(ApiFingerprints(vigied, fingerprints.size()), fingerprints);

  // max_alerts: the first 30 of the same message, the other 70 counted.
  for (const auto& [shard, message] : capped) {
    EXPECT_EQ(message["truncatedAlerts"], kInstancesPerShard - kCappedAlerts) << shard;
    ASSERT_EQ(message["alerts"].size(), static_cast<size_t>(kCappedAlerts)) << shard;
    const json& full = all[shard];
    EXPECT_EQ(message["groupKey"], full["groupKey"]);
    for (int i = 0; i < kCappedAlerts; ++i) {
      EXPECT_EQ(message["alerts"][i], full["alerts"][i]) << shard << " alert " << i;
    }
  }

  // The rule resends the same 500 alerts every second; the groups' next ticks (every
  // group_interval) find nothing new: no message until repeat_interval.
  std::this_thread::sleep_for(std::chrono::seconds(2 * kGroupIntervalSeconds + 1));
  EXPECT_EQ(receiver.Requests().size(), expected) << "a message was sent again";
}

}  // namespace
}  // namespace vigie::testing
