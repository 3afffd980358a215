// Forwarding to a real Alertmanager 0.25 (Debian's prometheus-alertmanager), started on loopback
// with a temporary directory and a webhook receiver pointing at the recording receiver: the
// forwarder POSTs alerts as Prometheus does, Alertmanager accepts them and notifies. The
// webhook message Alertmanager sends is also the reference for vigie's own (render.h): same
// fields, same times, same fingerprints. And the fingerprints vigied's API v2 shows (`fingerprint`,
// `inhibitedBy`) are the ones Alertmanager shows for the same alerts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
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
  // `extra_config`: more of alertmanager.yml (inhibit_rules).
  AlertmanagerPeer(const TempDir& dir, const std::string& webhook_url,
                   const std::string& extra_config = "") {
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
)" + extra_config);
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

// GET /api/v2/alerts at `address`: each alert by its labels (as JSON text).
std::map<std::string, json> AlertsByLabels(const std::string& address) {
  std::map<std::string, json> out;
  json alerts = json::parse(HttpCall(address, "GET", "/api/v2/alerts").body, nullptr, false);
  if (!alerts.is_array()) return out;
  for (json& alert : alerts) {
    std::string key = alert["labels"].dump();
    out[key] = std::move(alert);
  }
  return out;
}

// The same alerts posted to a real Alertmanager and to vigied: each has the same fingerprint in
// both APIs, and the alert inhibited in both names the same inhibiting fingerprint.
TEST(AlertmanagerForwardTest, VigiedShowsAlertmanagersFingerprints) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  const std::string inhibit = R"(
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [service]
)";
  AlertmanagerPeer am(dir, receiver.Url("/am"), inhibit);
  std::string notify = WriteFile(dir, "notify.yaml", R"(
route:
  receiver: quiet
  group_by: [alertname]
  group_wait: 1s
receivers:
  - name: quiet
)" + inhibit);
  Vigied vigied(dir.path() + "/data", {"--notify", notify});
  vigied.Start();

  json labels = json::array({
      {{"alertname", "Down"}, {"service", "front"}, {"severity", "page"}},
      {{"alertname", "Down"}, {"service", "front"}, {"severity", "ticket"}},
      // Names given out of order; values of several bytes per character.
      {{"zone", "eu-west-1"},
       {"alertname", "Dégradé ✓"},
       {"a_b", "x"},
       {"instance", "10.0.0.1:80"}},
  });
  json posted = json::array();
  for (const json& set : labels) posted.push_back({{"labels", set}});
  for (const std::string& address : {am.address(), vigied.http_address()}) {
    HttpReply reply = HttpCall(address, "POST", "/api/v2/alerts", posted.dump(),
                               {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 200u) << address << ": " << reply.body;
  }

  // Alertmanager marks an alert inhibited when its group is flushed (after group_wait).
  const std::string ticket = labels[1].dump(), page = labels[0].dump();
  std::map<std::string, json> theirs, ours;
  for (int i = 0; i < 400; ++i) {
    theirs = AlertsByLabels(am.address());
    if (theirs.size() == labels.size() && !theirs[ticket]["status"]["inhibitedBy"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ours = AlertsByLabels(vigied.http_address());
  ASSERT_EQ(theirs.size(), labels.size());
  ASSERT_EQ(ours.size(), labels.size());
  for (const json& set : labels) {
    std::string key = set.dump();
    ASSERT_TRUE(ours.count(key)) << "vigied does not list " << key;
    EXPECT_EQ(ours[key]["fingerprint"], theirs[key]["fingerprint"]) << key;
  }
  EXPECT_EQ(theirs[ticket]["status"]["inhibitedBy"], json::array({theirs[page]["fingerprint"]}));
  EXPECT_EQ(ours[ticket]["status"]["inhibitedBy"], theirs[ticket]["status"]["inhibitedBy"]);
  EXPECT_EQ(ours[ticket]["status"]["state"], "suppressed");
}

}  // namespace
}  // namespace vigie::testing
