// Forwarding to a real Alertmanager 0.25 (Debian's prometheus-alertmanager), started on loopback
// with a temporary directory and a webhook receiver pointing at the recording receiver: the
// forwarder POSTs alerts as Prometheus does, Alertmanager accepts them and notifies. The
// webhook message Alertmanager sends is also the reference for vigie's own (render.h): same
// fields, same times, same fingerprints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "alerts/notify/forwarder.h"
#include "alerts/notify/render.h"
#include "common/time.h"
#include "tests/http/http_client.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using alerts::Alert;
using nlohmann::json;

constexpr char kAlertmanager[] = "/usr/bin/prometheus-alertmanager";

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

class AlertmanagerPeer {
 public:
  AlertmanagerPeer(const TempDir& dir, const std::string& webhook_url) {
    std::string config = WriteFile(dir, "alertmanager.yml", R"(
route:
  receiver: rec
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: rec
    webhook_configs: [{url: ')" + webhook_url + R"(', send_resolved: true}]
)");
    address_ = "127.0.0.1:" + std::to_string(FreePort());
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            kAlertmanager, "--config.file=" + config, "--storage.path=" + dir.path() + "/am-data",
            "--web.listen-address=" + address_, "--cluster.listen-address=", "--log.level=warn"},
        dir.path() + "/alertmanager.log");
    for (int i = 0; i < 300; ++i) {
      if (HttpCall(address_, "GET", "/-/ready").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "Alertmanager did not become ready: " << process_->Log();
  }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::unique_ptr<ChildProcess> process_;
};

Alert TestAlert(int64_t starts_ms, int64_t ends_ms) {
  Alert alert;
  alert.labels =
      *LabelSet::Make({{"alertname", "Http404Spike"}, {"service", "front"}, {"severity", "page"}});
  alert.annotations = {{"summary", "312 404s per minute on front"},
                       {"runbook_url", "https://wiki/404"}};
  alert.starts_at_ms = starts_ms;
  alert.ends_at_ms = ends_ms;
  alert.generator_url = "http://vigie:9470/graph";
  return alert;
}

TEST(AlertmanagerForwardTest, AlertmanagerReceivesAndNotifies) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  AlertmanagerPeer am(dir, receiver.Url("/am"));
  std::unique_ptr<alerts::notify::HttpSender> sender = alerts::notify::NewCurlSender();
  alerts::notify::AlertmanagerForwarder forwarder({"http://" + am.address()}, sender.get(),
                                                  nullptr);

  // Whole seconds with a fraction, as the rules produce them: Alertmanager keeps milliseconds.
  int64_t now_ms = NowNanos() / kNanosPerMilli;
  int64_t starts_ms = now_ms - 60'000 + 250;
  Alert firing = TestAlert(starts_ms, now_ms + 4 * 60'000);
  forwarder.Notify({firing});
  auto got = receiver.WaitFor(1, std::chrono::seconds(20));
  ASSERT_EQ(got.size(), 1u) << "Alertmanager sent nothing";
  json message = json::parse(got[0].body);
  EXPECT_EQ(got[0].path, "/am");
  EXPECT_EQ(message["status"], "firing");
  ASSERT_EQ(message["alerts"].size(), 1u);
  const json& alert = message["alerts"][0];
  EXPECT_EQ(alert["labels"],
            json({{"alertname", "Http404Spike"}, {"service", "front"}, {"severity", "page"}}));
  EXPECT_EQ(alert["annotations"]["summary"], "312 404s per minute on front");
  EXPECT_EQ(alert["startsAt"], alerts::notify::GoTime(starts_ms));
  EXPECT_EQ(alert["generatorURL"], "http://vigie:9470/graph");

  // vigie's webhook payload has Alertmanager's shape, times and fingerprints.
  alerts::Notification n;
  n.receiver = "rec";
  n.group_key = message["groupKey"];
  n.group_labels = *LabelSet::Make({{"alertname", "Http404Spike"}});
  n.alerts = {firing};
  n.external_url = message["externalURL"];
  json ours = json::parse(alerts::notify::WebhookPayload({}, n, now_ms).dump());
  std::set<std::string> our_keys = Keys(ours);
  our_keys.erase("deploys");  // vigie's addition.
  EXPECT_EQ(our_keys, Keys(message));
  EXPECT_EQ(Keys(ours["alerts"][0]), Keys(alert));
  for (const char* key : {"receiver", "status", "groupLabels", "commonLabels", "commonAnnotations",
                          "version", "groupKey", "truncatedAlerts"}) {
    EXPECT_EQ(ours[key], message[key]) << key;
  }
  for (const char* key : {"status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"}) {
    EXPECT_EQ(ours["alerts"][0][key], alert[key]) << key;
  }

  // Resolved: Alertmanager sends the resolution (send_resolved), with the end vigie gave.
  int64_t ends_ms = NowNanos() / kNanosPerMilli - 1000;
  Alert resolved = TestAlert(starts_ms, ends_ms);
  forwarder.Notify({resolved});
  got = receiver.WaitFor(2, std::chrono::seconds(20));
  ASSERT_EQ(got.size(), 2u) << "Alertmanager did not send the resolution";
  json resolution = json::parse(got[1].body);
  EXPECT_EQ(resolution["status"], "resolved");
  EXPECT_EQ(resolution["alerts"][0]["endsAt"], alerts::notify::GoTime(ends_ms));
  n.alerts = {resolved};
  json ours_resolved = json::parse(alerts::notify::WebhookPayload({}, n, ends_ms + 1).dump());
  EXPECT_EQ(ours_resolved["alerts"][0]["endsAt"], resolution["alerts"][0]["endsAt"]);
  EXPECT_EQ(ours_resolved["status"], "resolved");
}

// vigied's rules forwarded with --alertmanager.url, as Prometheus's are with its alerting config.
TEST(AlertmanagerForwardTest, VigiedForwardsItsRulesAlerts) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  AlertmanagerPeer am(dir, receiver.Url("/am"));
  std::string rules = WriteFile(dir, "rules.yaml", R"(
groups:
  - name: front
    interval: 1s
    rules:
      - alert: AlwaysOn
        expr: vector(1)
        labels: {severity: ticket, service: front}
        annotations: {summary: 'always on'}
)");
  Vigied vigied(dir.path() + "/data",
                {"--rules", rules, "--alertmanager.url", "http://" + am.address()});
  vigied.Start();
  auto got = receiver.WaitFor(1, std::chrono::seconds(20));
  ASSERT_GE(got.size(), 1u) << "nothing reached Alertmanager's receiver\n" << vigied.Log();
  json message = json::parse(got[0].body);
  EXPECT_EQ(message["status"], "firing");
  ASSERT_EQ(message["alerts"].size(), 1u);
  // No deploy of front was recorded: deploy_correlated="false", as routes may match on it.
  EXPECT_EQ(message["alerts"][0]["labels"], json({{"alertname", "AlwaysOn"},
                                                  {"deploy_correlated", "false"},
                                                  {"service", "front"},
                                                  {"severity", "ticket"}}));
  EXPECT_EQ(message["alerts"][0]["annotations"]["summary"], "always on");
  // The link leads back to this vigied: its bound port, not the :0 it was asked to listen on.
  EXPECT_THAT(message["alerts"][0]["generatorURL"].get<std::string>(),
              ::testing::StartsWith("http://" + vigied.http_address() + "/graph?g0.expr="));
  HttpReply metrics = HttpCall(vigied.http_address(), "GET", "/metrics");
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("vigie_alertmanager_alerts_sent_total{"
                                                 "alertmanager=\"http://" +
                                                 am.address() + "/api/v2/alerts\"}"));
}

}  // namespace
}  // namespace vigie::testing
