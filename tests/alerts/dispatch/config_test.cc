#include "alerts/dispatch/config.h"

#include <gtest/gtest.h>

namespace vigie::alerts {
namespace {

constexpr char kIssueConfig[] = R"(global:
  resolve_timeout: 2m
  slack_api_url: https://hooks.slack.com/services/x
route:
  receiver: ops
  group_by: [alertname, service]
  group_wait: 10s
  routes:
    - matchers: ['deploy_correlated="true"']
      receiver: dev
      continue: true
      routes:
        - match: {severity: page}
          group_by: ['...']
          repeat_interval: 1h
    - match_re: {service: "front|back"}
      mute_time_intervals: [nights]
receivers:
  - name: ops
    pagerduty_configs: [{routing_key: abc}]
  - name: dev
    slack_configs: [{channel: '#front'}]
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [service]
  - source_match: {a: b}
    target_match_re: {c: "d.*"}
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: "00:00", end_time: "06:00"}]
templates: ['/etc/alertmanager/*.tmpl']
)";

std::shared_ptr<const Config> MustParse(const char* text) {
  auto config = ParseConfig(text, "notify.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : DefaultConfig();
}

LabelSet Labels(std::vector<Label> labels) { return *LabelSet::Make(std::move(labels)); }

TEST(ConfigTest, LoadsTheIssuesFileWithDefaultsAndInheritance) {
  auto config = MustParse(kIssueConfig);
  EXPECT_EQ(config->resolve_timeout_ms, 120'000);
  EXPECT_TRUE(config->global["slack_api_url"]);
  const Route& root = config->route;
  EXPECT_EQ(root.receiver, "ops");
  EXPECT_EQ(root.group_wait_ms, 10'000);
  EXPECT_EQ(root.group_interval_ms, 300'000);         // Alertmanager's default.
  EXPECT_EQ(root.repeat_interval_ms, 4 * 3'600'000);  // Alertmanager's default.
  EXPECT_EQ(root.key, "{}");
  ASSERT_EQ(root.routes.size(), 2u);
  const Route& dev = root.routes[0];
  EXPECT_EQ(dev.receiver, "dev");
  EXPECT_EQ(dev.group_wait_ms, 10'000);  // Inherited.
  EXPECT_EQ(dev.group_by, (std::vector<std::string>{"alertname", "service"}));
  EXPECT_TRUE(dev.continue_matching);
  EXPECT_EQ(dev.key, R"({}/{deploy_correlated="true"})");
  const Route& page = dev.routes[0];
  EXPECT_EQ(page.receiver, "dev");
  EXPECT_TRUE(page.group_by_all);
  EXPECT_EQ(page.repeat_interval_ms, 3'600'000);
  EXPECT_EQ(page.key, R"({}/{deploy_correlated="true"}/{severity="page"})");
  EXPECT_EQ(root.routes[1].mute_time_intervals, std::vector<std::string>{"nights"});
  EXPECT_EQ(config->inhibit_rules.size(), 2u);
  EXPECT_EQ(config->inhibit_rules[0].equal, std::vector<std::string>{"service"});
  EXPECT_TRUE(config->FindReceiver("dev")->has_integrations);
  EXPECT_FALSE(config->FindReceiver("dev")->sends_resolved);  // Slack's default.
  EXPECT_TRUE(config->FindReceiver("ops")->sends_resolved);   // PagerDuty's default.
  EXPECT_EQ(config->original, kIssueConfig);
}

TEST(ConfigTest, RoutesFirstMatchAndContinue) {
  auto config = MustParse(kIssueConfig);
  auto receivers = [&](std::vector<Label> labels) {
    std::vector<std::string> out;
    for (const Route* r : config->route.Match(Labels(std::move(labels)))) {
      out.push_back(r->receiver + (r->group_by_all ? "(all)" : ""));
    }
    return out;
  };
  // continue on the dev route: the next sibling is tried too.
  EXPECT_EQ(receivers({{"deploy_correlated", "true"}, {"service", "front"}}),
            (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(receivers({{"deploy_correlated", "true"}, {"severity", "page"}}),
            (std::vector<std::string>{"dev(all)"}));
  EXPECT_EQ(receivers({{"service", "back"}}), std::vector<std::string>{"ops"});
  EXPECT_EQ(receivers({{"service", "db"}}), std::vector<std::string>{"ops"});  // The root.
}

TEST(ConfigTest, ErrorsNameFileLineAndReason) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"route:\n  receiver: x\n  group_whit: 1s\nreceivers: [{name: x}]\n",
                "notify.yaml:3: field group_whit not found in route"},
           Case{"route:\n  receiver: x\n  routes:\n    - receiver: y\nreceivers: [{name: x}]\n",
                "notify.yaml:4: undefined receiver \"y\" used in route"},
           Case{"route:\n  receiver: x\nreceivers:\n  - name: x\n  - name: x\n",
                "notify.yaml:5: notification config name \"x\" is not unique"},
           Case{"route:\n  receiver: x\n  matchers: ['a=b']\nreceivers: [{name: x}]\n",
                "notify.yaml:2: root route must not have any matchers"},
           Case{"route:\n  receiver: x\n  routes:\n    - matchers: ['a=~(']\nreceivers: [{name: "
                "x}]\n",
                "notify.yaml:4: invalid regex"},
           Case{"route:\n  receiver: x\n  group_interval: 0s\nreceivers: [{name: x}]\n",
                "notify.yaml:3: group_interval cannot be zero"},
           Case{"route:\n  receiver: x\n  group_by: ['...', a]\nreceivers: [{name: x}]\n",
                "notify.yaml:3: cannot have wildcard group_by"},
           Case{"route:\n  receiver: x\n  routes:\n    - mute_time_intervals: [n]\nreceivers: "
                "[{name: x}]\n",
                "notify.yaml:4: undefined time interval \"n\" used in route"},
           Case{"route:\n  receiver: x\nreceivers:\n  - name: x\n    smoke_signal_configs: []\n",
                "notify.yaml:5: field smoke_signal_configs not found in receiver"},
           Case{
               "route:\n  receiver: x\ninhibit_rules:\n  - equal: ['1a']\nreceivers: [{name: x}]\n",
               "notify.yaml:4: invalid label name \"1a\""},
           Case{"route: [\n", "notify.yaml:2:"},
           Case{"receivers: [{name: x}]\n", "notify.yaml:1: no routes provided"},
           Case{"route:\n  receiver: x\n  match: {severity: \"\xff\xfepage\"}\nreceivers: "
                "[{name: x}]\n",
                "notify.yaml:3: the file is not valid UTF-8 (byte 42)"},
       }) {
    auto config = ParseConfig(c.text, "notify.yaml");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_TRUE(std::string(config.status().message()).starts_with(c.error))
        << c.text << "\n got: " << config.status().message() << "\nwant: " << c.error;
  }
}

TEST(ConfigTest, DefaultConfigHasAReceiverThatSendsNothing) {
  auto config = DefaultConfig();
  EXPECT_EQ(config->route.receiver, "default");
  EXPECT_FALSE(config->FindReceiver("default")->has_integrations);
}

}  // namespace
}  // namespace vigie::alerts
