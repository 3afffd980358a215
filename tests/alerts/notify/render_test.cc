// Payloads field by field against the published formats: Slack's legacy attachments
// (api.slack.com/reference/messaging/attachments), Alertmanager's webhook version 4
// (prometheus.io/docs/alerting/latest/configuration/#webhook_config) and PagerDuty's Events API
// v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events).
#include "alerts/notify/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/alerts/notify/notify_fixtures.h"

namespace vigie::alerts::notify {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = kOnsetMs + 120'000;

std::set<std::string> Keys(const OrderedJson& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

TEST(RenderTest, SlackAttachment) {
  SlackConfig config;
  config.channel = "#front";
  OrderedJson message = SlackPayload(config, SpikeNotification(), kNow);
  EXPECT_EQ(Keys(message), (std::set<std::string>{"channel", "attachments"}));
  EXPECT_EQ(message["channel"], "#front");
  ASSERT_EQ(message["attachments"].size(), 1u);
  const OrderedJson& a = message["attachments"][0];
  // Every key is one of Slack's legacy attachment fields.
  static const std::set<std::string> kAttachmentFields = {
      "title",   "title_link", "pretext",   "text",   "fallback", "callback_id", "fields",
      "actions", "image_url",  "thumb_url", "footer", "color",    "mrkdwn_in"};
  for (const std::string& key : Keys(a)) EXPECT_TRUE(kAttachmentFields.contains(key)) << key;
  EXPECT_EQ(a["title"], "[FIRING:1] Http404Spike — front");
  EXPECT_EQ(a["title_link"], "http://vigie:9470");
  EXPECT_EQ(a["fallback"], "[FIRING:1] Http404Spike — front");
  EXPECT_EQ(a["color"], "danger");
  EXPECT_EQ(a["mrkdwn_in"], OrderedJson::array({"fallback", "pretext", "text"}));
  EXPECT_EQ(a["text"],
            "*312 404s per minute on front*\n"
            "Clients get &lt;404&gt; &amp; retry\n"
            "since 20:41 UTC, 4 min after deploy front#67 (3f2c1ab) by Jane Doe\n"
            "<https://wiki/404|Runbook>");
  ASSERT_EQ(a["fields"].size(), 1u);
  EXPECT_EQ(a["fields"][0],
            OrderedJson({{"title", "Severity"}, {"value", "page"}, {"short", true}}));
}

TEST(RenderTest, SlackColourBySeverityAndResolved) {
  SlackConfig config;
  EXPECT_EQ(SlackPayload(config, SpikeNotification({SpikeAlert("warning")}),
                         kNow)["attachments"][0]["color"],
            "warning");
  EXPECT_EQ(SlackPayload(config, SpikeNotification({SpikeAlert("info")}),
                         kNow)["attachments"][0]["color"],
            "#439FE0");
  Alert resolved = SpikeAlert();
  resolved.ends_at_ms = kNow - 1000;
  OrderedJson a = SlackPayload(config, SpikeNotification({resolved}), kNow)["attachments"][0];
  EXPECT_EQ(a["color"], "good");
  EXPECT_EQ(a["title"], "[RESOLVED] Http404Spike — front");
  EXPECT_THAT(a["text"].get<std::string>(), HasSubstr("*Resolved:* 312 404s"));
  config.color = "#123456";  // A literal colour in the file wins.
  config.title = "Custom";
  a = SlackPayload(config, SpikeNotification(), kNow)["attachments"][0];
  EXPECT_EQ(a["color"], "#123456");
  EXPECT_EQ(a["title"], "Custom");
}

TEST(RenderTest, DeployLine) {
  Alert alert = SpikeAlert();
  EXPECT_EQ(DeployLine(alert),
            "since 20:41 UTC, 4 min after deploy front#67 (3f2c1ab) by Jane Doe");
  alert.deploys[0].commit = "";
  alert.deploys[0].author = "";
  alert.deploys[0].time_ms = kOnsetMs - 20'000;
  EXPECT_EQ(DeployLine(alert), "since 20:41 UTC, less than a minute after deploy front#67");
  alert.deploys.push_back(alert.deploys[0]);
  EXPECT_THAT(DeployLine(alert), HasSubstr("(and 1 earlier)"));
  alert.deploys.clear();
  EXPECT_EQ(DeployLine(alert), "since 20:41 UTC");
}

TEST(RenderTest, WebhookVersion4) {
  Alert resolved = SpikeAlert();
  resolved.labels = *LabelSet::Make({{"alertname", "Http404Spike"},
                                     {"service", "front"},
                                     {"severity", "page"},
                                     {"path", "/old"}});
  resolved.ends_at_ms = kNow - 500;
  resolved.deploys.clear();
  OrderedJson m = WebhookPayload({}, SpikeNotification({SpikeAlert(), resolved}), kNow);
  EXPECT_EQ(Keys(m), (std::set<std::string>{"receiver", "status", "alerts", "groupLabels",
                                            "commonLabels", "commonAnnotations", "externalURL",
                                            "version", "groupKey", "truncatedAlerts", "deploys"}));
  EXPECT_EQ(m["receiver"], "dev");
  EXPECT_EQ(m["status"], "firing");
  EXPECT_EQ(m["version"], "4");
  EXPECT_EQ(m["groupKey"], SpikeNotification().group_key);
  EXPECT_EQ(m["truncatedAlerts"], 0);
  EXPECT_EQ(m["externalURL"], "http://vigie:9470");
  EXPECT_EQ(m["groupLabels"], OrderedJson({{"alertname", "Http404Spike"}, {"service", "front"}}));
  EXPECT_EQ(
      m["commonLabels"],
      OrderedJson({{"alertname", "Http404Spike"}, {"service", "front"}, {"severity", "page"}}));
  EXPECT_EQ(m["commonAnnotations"]["summary"], "312 404s per minute on front");
  ASSERT_EQ(m["alerts"].size(), 2u);
  const OrderedJson& firing = m["alerts"][0];
  EXPECT_EQ(Keys(firing), (std::set<std::string>{"status", "labels", "annotations", "startsAt",
                                                 "endsAt", "generatorURL", "fingerprint"}));
  EXPECT_EQ(firing["status"], "firing");
  EXPECT_EQ(firing["startsAt"], "2026-12-06T20:41:00Z");
  EXPECT_EQ(firing["endsAt"], "0001-01-01T00:00:00Z");  // Alertmanager's zero time.
  EXPECT_EQ(firing["generatorURL"], "http://vigie:9470/graph?g0.expr=x");
  EXPECT_EQ(firing["annotations"]["runbook_url"], "https://wiki/404");
  EXPECT_EQ(firing["fingerprint"].get<std::string>().size(), 16u);
  const OrderedJson& done = m["alerts"][1];
  EXPECT_EQ(done["status"], "resolved");
  EXPECT_EQ(done["endsAt"], "2026-12-06T20:42:59.5Z");
  EXPECT_NE(done["fingerprint"], firing["fingerprint"]);
  ASSERT_EQ(m["deploys"].size(), 1u);
  EXPECT_EQ(m["deploys"][0]["version"], "67");
  EXPECT_EQ(m["deploys"][0]["commit"], "3f2c1ab");
  EXPECT_EQ(m["deploys"][0]["author"], "Jane Doe");
  EXPECT_EQ(m["deploys"][0]["time"], "2026-12-06T20:37:00Z");
  EXPECT_EQ(m["deploys"][0]["fingerprints"], OrderedJson::array({firing["fingerprint"]}));

  WebhookConfig truncating;
  truncating.max_alerts = 1;
  OrderedJson t = WebhookPayload(truncating, SpikeNotification({SpikeAlert(), resolved}), kNow);
  EXPECT_EQ(t["alerts"].size(), 1u);
  EXPECT_EQ(t["truncatedAlerts"], 1);
}

TEST(RenderTest, AlertmanagerFingerprintAndGroupKeyHash) {
  // FNV-1a 64 of the empty label set is its offset basis; the other value is prometheus/common's
  // own test case for model.LabelSet.Fingerprint (signature_test.go, TestMetricToFingerprint).
  EXPECT_EQ(FingerprintHex(AlertmanagerFingerprint(LabelSet())), "cbf29ce484222325");
  EXPECT_EQ(AlertmanagerFingerprint(
                *LabelSet::Make({{"name", "garland, briggs"}, {"fear", "love is not enough"}})),
            5799056148416392346u);
  EXPECT_EQ(FingerprintHex(0xab), "00000000000000ab");
  EXPECT_EQ(GroupKeyHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(GoTime(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(GoTime(kOnsetMs + 120), "2026-12-06T20:41:00.12Z");
}

TEST(RenderTest, PagerDutyEventsV2) {
  PagerDutyConfig config;
  config.routing_key = "R0UTING";
  Notification n = SpikeNotification();
  OrderedJson m = PagerDutyPayload(config, n, kNow);
  EXPECT_EQ(Keys(m), (std::set<std::string>{"routing_key", "dedup_key", "event_action", "payload",
                                            "client", "client_url", "links"}));
  EXPECT_EQ(m["routing_key"], "R0UTING");
  EXPECT_EQ(m["event_action"], "trigger");
  EXPECT_EQ(m["dedup_key"], GroupKeyHash(n.group_key));
  EXPECT_EQ(m["client"], "vigie");
  EXPECT_EQ(m["client_url"], "http://vigie:9470");
  EXPECT_EQ(m["links"], OrderedJson::array({{{"href", "https://wiki/404"}, {"text", "Runbook"}}}));
  const OrderedJson& p = m["payload"];
  EXPECT_EQ(p["summary"], "[FIRING:1] Http404Spike — front");
  EXPECT_EQ(p["source"], "vigie");
  EXPECT_EQ(p["severity"], "critical");  // severity="page"
  static const std::set<std::string> kSeverities = {"critical", "error", "warning", "info"};
  EXPECT_TRUE(kSeverities.contains(p["severity"].get<std::string>()));
  EXPECT_EQ(p["custom_details"]["num_firing"], "1");
  EXPECT_EQ(p["custom_details"]["num_resolved"], "0");
  EXPECT_THAT(p["custom_details"]["firing"].get<std::string>(),
              HasSubstr("4 min after deploy front#67 (3f2c1ab) by Jane Doe"));

  n.alerts[0].ends_at_ms = kNow - 1;
  OrderedJson resolve = PagerDutyPayload(config, n, kNow);
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["dedup_key"], m["dedup_key"]);  // Resolves the incident it triggered.

  config.severity = "info";
  config.component = "nginx";
  config.details = {{"team", "web"}};
  OrderedJson custom = PagerDutyPayload(config, SpikeNotification(), kNow);
  EXPECT_EQ(custom["payload"]["severity"], "info");
  EXPECT_EQ(custom["payload"]["component"], "nginx");
  EXPECT_EQ(custom["payload"]["custom_details"], OrderedJson({{"team", "web"}}));
}

TEST(RenderTest, RequestCarriesUrlAuthAndTransport) {
  Integration integration;
  integration.kind = "webhook";
  integration.config = WebhookConfig{"https://hook.example/x", 0};
  integration.http.basic_auth_username = "u";
  integration.http.basic_auth_password = "p";
  integration.http.ca_file = "/ca.pem";
  HttpRequest request = RenderRequest(integration, SpikeNotification(), kNow);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://hook.example/x");
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Authorization", "Basic dTpw")));
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Content-Type", "application/json")));
  EXPECT_EQ(request.transport.ca_file, "/ca.pem");
  EXPECT_TRUE(request.transport.follow_redirects);
  EXPECT_EQ(nlohmann::json::parse(request.body)["version"], "4");
}

}  // namespace
}  // namespace vigie::alerts::notify
