#include "alerts/notify/receivers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace vigie::alerts::notify {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Receivers> Build(const std::string& yaml) {
  YAML::Node root = YAML::Load(yaml);
  return BuildReceivers(root["receivers"], root["global"], "notify.yaml");
}

TEST(ReceiversTest, AlertmanagerDefaultsAndGlobals) {
  auto r = Build(R"(
global:
  slack_api_url: https://hooks.slack.com/services/T/B/X
  pagerduty_url: https://pd.example/v2/enqueue
receivers:
  - name: dev
    slack_configs: [{channel: '#front'}]
    webhook_configs: [{url: http://127.0.0.1:1/hook, max_alerts: 5}]
  - name: ops
    pagerduty_configs: [{routing_key: abc, severity: critical}]
  - name: blackhole
)");
  ASSERT_TRUE(r.ok()) << r.status();
  const Receiver* dev = r->Find("dev");
  ASSERT_NE(dev, nullptr);
  ASSERT_EQ(dev->integrations.size(), 2u);
  const Integration& slack = dev->integrations[0];
  EXPECT_EQ(slack.Id(), "slack[0]");
  EXPECT_FALSE(slack.send_resolved);  // Alertmanager's default for Slack.
  EXPECT_EQ(std::get<SlackConfig>(slack.config).api_url, "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(std::get<SlackConfig>(slack.config).channel, "#front");
  const Integration& webhook = dev->integrations[1];
  EXPECT_EQ(webhook.Id(), "webhook[0]");
  EXPECT_TRUE(webhook.send_resolved);
  EXPECT_EQ(std::get<WebhookConfig>(webhook.config).max_alerts, 5u);
  const Integration& pd = r->Find("ops")->integrations.at(0);
  EXPECT_TRUE(pd.send_resolved);
  EXPECT_EQ(std::get<PagerDutyConfig>(pd.config).url, "https://pd.example/v2/enqueue");
  EXPECT_EQ(std::get<PagerDutyConfig>(pd.config).severity, "critical");
  EXPECT_TRUE(r->Find("blackhole")->integrations.empty());
  EXPECT_EQ(r->Find("nobody"), nullptr);
}

TEST(ReceiversTest, PagerDutyDefaultUrl) {
  auto r = Build("receivers: [{name: p, pagerduty_configs: [{routing_key: k}]}]");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<PagerDutyConfig>(r->Find("p")->integrations[0].config).url,
            "https://events.pagerduty.com/v2/enqueue");
}

TEST(ReceiversTest, SecretsFromFilesAndHttpConfig) {
  testing::TempDir dir;
  std::string url_file = testing::WriteFile(dir, "url", "  https://hooks.example/secret\n");
  std::string key_file = testing::WriteFile(dir, "key", "routing-key\n");
  std::string password_file = testing::WriteFile(dir, "pw", "s3cret\n");
  auto r = Build(R"(
global:
  http_config: {proxy_url: http://proxy:3128}
receivers:
  - name: a
    slack_configs:
      - api_url_file: )" +
                 url_file + R"(
        send_resolved: true
        http_config:
          basic_auth: {username: u, password_file: )" +
                 password_file + R"(}
          tls_config: {ca_file: /etc/ca.pem, insecure_skip_verify: true}
          follow_redirects: false
    pagerduty_configs: [{routing_key_file: )" +
                 key_file + R"(}]
    webhook_configs:
      - url: https://x.example/
        http_config: {authorization: {credentials: tok}}
)");
  ASSERT_TRUE(r.ok()) << r.status();
  const Receiver* a = r->Find("a");
  const Integration& slack = a->integrations[0];
  EXPECT_TRUE(slack.send_resolved);
  EXPECT_EQ(std::get<SlackConfig>(slack.config).api_url, "https://hooks.example/secret");
  EXPECT_EQ(slack.http.basic_auth_username, "u");
  EXPECT_EQ(slack.http.basic_auth_password, "s3cret");
  EXPECT_EQ(slack.http.ca_file, "/etc/ca.pem");
  EXPECT_TRUE(slack.http.insecure_skip_verify);
  EXPECT_FALSE(slack.http.follow_redirects);
  EXPECT_EQ(slack.http.proxy_url, "");  // Its own http_config replaces the global one.
  const Integration& webhook = a->integrations[1];
  EXPECT_EQ(webhook.kind, "webhook");
  EXPECT_EQ(webhook.http.authorization_type, "Bearer");
  EXPECT_EQ(webhook.http.authorization_credentials, "tok");
  EXPECT_EQ(webhook.http.proxy_url, "");
  const Integration& pd = a->integrations[2];
  EXPECT_EQ(std::get<PagerDutyConfig>(pd.config).routing_key, "routing-key");
  EXPECT_EQ(pd.http.proxy_url, "http://proxy:3128");  // No http_config: global.http_config.
}

// Errors name the file, the line, the receiver and the field, and say what to do.
struct BadCase {
  std::string yaml;
  std::string expected;
};

TEST(ReceiversTest, ErrorsNameFileLineReceiverAndField) {
  const BadCase cases[] = {
      {"receivers:\n  - name: dev\n    email_configs: [{to: a@b}]\n",
       "notify.yaml:3: receiver \"dev\": email_configs: not supported by vigie"},
      {"receivers:\n  - name: dev\n    slack_configs:\n      - channel: x\n",
       "notify.yaml:4: receiver \"dev\" slack_configs[0]: no api_url"},
      {"receivers:\n  - name: dev\n    webhook_configs:\n      - url: http://a/\n        colour: "
       "x\n",
       "notify.yaml:5: receiver \"dev\" webhook_configs[0]: colour: unknown field"},
      {"receivers:\n  - name: dev\n    webhook_configs:\n      - url: ftp://a/\n",
       "notify.yaml:4: receiver \"dev\" webhook_configs[0]: url: must be an http:// or https:// "
       "URL"},
      {"receivers:\n  - name: ops\n    pagerduty_configs:\n      - service_key: k\n",
       "receiver \"ops\" pagerduty_configs[0]: service_key: PagerDuty's Events API v1 is not "
       "supported"},
      {"receivers:\n  - name: ops\n    pagerduty_configs:\n      - routing_key: k\n"
       "        severity: urgent\n",
       "notify.yaml:5: receiver \"ops\" pagerduty_configs[0]: severity: must be critical"},
      {"receivers:\n  - name: a\n  - name: a\n",
       "notify.yaml:3: receiver \"a\": name: a receiver "
       "of this name is already defined"},
      {"receivers:\n  - slack_configs: []\n",
       "notify.yaml:2: receivers[0]: a receiver needs a name"},
      {"receivers:\n  - name: a\n    webhook_configs:\n      - url_file: /nonexistent/x\n",
       "notify.yaml:4: receiver \"a\" webhook_configs[0]: url_file: cannot read /nonexistent/x"},
      {"receivers:\n  - name: a\n    webhook_configs:\n      - url: http://a/\n"
       "        http_config:\n          oauth2: {}\n",
       "receiver \"a\" webhook_configs[0].http_config: oauth2: unknown field"},
      {"receivers:\n  - name: a\n    slack_configs:\n      - api_url: http://a/\n"
       "        send_resolved: maybe\n",
       "notify.yaml:5: receiver \"a\" slack_configs[0]: send_resolved: must be true or false"},
  };
  for (const BadCase& c : cases) {
    auto r = Build(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.expected)) << c.yaml;
  }
}

TEST(ReceiversTest, GoTemplatesAreReplacedByDefaultsWithAWarning) {
  auto r = Build(R"(receivers:
  - name: dev
    slack_configs:
      - api_url: https://hooks.example/x
        title: '{{ template "slack.default.title" . }}'
        text: 'plain text'
)");
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& slack = std::get<SlackConfig>(r->Find("dev")->integrations[0].config);
  EXPECT_EQ(slack.title, "");
  EXPECT_EQ(slack.text, "plain text");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_THAT(r->warnings[0], HasSubstr("notify.yaml:5: receiver \"dev\" slack_configs[0]: title: "
                                        "Go templates are not evaluated"));
  auto bad = Build("receivers: [{name: a, webhook_configs: [{url: 'http://{{ .x }}/'}]}]");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("url: Go templates are not supported"));
}

}  // namespace
}  // namespace vigie::alerts::notify
