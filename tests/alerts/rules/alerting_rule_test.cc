// The state machine of alerting rules against Prometheus 2.42's rules/alerting.go semantics.
#include "alerts/rules/alerting_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::alerts::rules {
namespace {

constexpr int64_t kMinute = 60'000;

RuleSpec AlertSpec(const std::string& yaml_rule) {
  auto groups = ParseRuleFile("t.yaml", "groups:\n  - name: g\n    rules:\n" + yaml_rule, Limits());
  EXPECT_TRUE(groups.ok()) << groups.status();
  return groups.ok() ? (*groups)[0].rules.at(0) : RuleSpec();
}

promql::Vector Sample(const std::string& labels, double value) {
  return {{*LabelSet::Parse(labels), 0, value}};
}

class AlertingRuleTest : public ::testing::Test {
 protected:
  // One evaluation; returns the ALERTS samples' alertstate values, in order.
  std::vector<std::string> Eval(AlertingRule& rule, int64_t ts, const promql::Vector& result) {
    StateChanges changes;
    auto series = rule.Eval(ts, ts, result, env_, 0, &changes);
    EXPECT_TRUE(series.ok()) << series.status();
    last_changes_ = changes;
    std::vector<std::string> states;
    if (!series.ok()) return states;
    for (const auto& s : *series) {
      if (s.labels.Get("__name__") == "ALERTS") states.emplace_back(s.labels.Get("alertstate"));
    }
    last_series_ = *series;
    return states;
  }

  AlertEnv env_;
  StateChanges last_changes_;
  std::vector<store::SeriesSamples> last_series_;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(AlertingRuleTest, PendingForItsDurationThenFiringThenResolved) {
  AlertingRule rule(AlertSpec(
      "      - alert: Down\n        expr: up == 0\n        for: 2m\n        labels: {severity: "
      "page}\n"));
  promql::Vector down = Sample(R"({__name__="up", job="api"})", 0);
  EXPECT_THAT(Eval(rule, 0, down), ElementsAre("pending"));
  EXPECT_THAT(Eval(rule, kMinute, down), ElementsAre("pending"));
  EXPECT_THAT(Eval(rule, 2 * kMinute, down), ElementsAre("firing"));
  auto instances = rule.Instances();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].labels.ToString(), R"({alertname="Down", job="api", severity="page"})");
  EXPECT_EQ(instances[0].active_at_ms, 0);
  EXPECT_EQ(instances[0].fired_at_ms, 2 * kMinute);
  // ALERTS and ALERTS_FOR_STATE as Prometheus writes them.
  ASSERT_EQ(last_series_.size(), 2u);
  EXPECT_EQ(
      last_series_[0].labels.ToString(),
      R"({__name__="ALERTS", alertname="Down", alertstate="firing", job="api", severity="page"})");
  EXPECT_EQ(last_series_[0].samples[0].value, 1);
  EXPECT_EQ(last_series_[1].labels.ToString(),
            R"({__name__="ALERTS_FOR_STATE", alertname="Down", job="api", severity="page"})");
  EXPECT_EQ(last_series_[1].samples[0].value, 0);  // activeAt, in seconds.

  EXPECT_THAT(Eval(rule, 3 * kMinute, {}), IsEmpty());
  instances = rule.Instances();
  ASSERT_EQ(instances.size(), 1u);  // Kept, resolved, to be sent as such.
  EXPECT_EQ(instances[0].state, AlertState::kInactive);
  EXPECT_EQ(instances[0].resolved_at_ms, 3 * kMinute);
  EXPECT_EQ(rule.State(), AlertState::kInactive);
  // Dropped once 15 minutes have passed since.
  Eval(rule, 18 * kMinute, {});
  EXPECT_EQ(rule.Instances().size(), 1u);
  Eval(rule, 18 * kMinute + 1, {});
  EXPECT_TRUE(rule.Instances().empty());
  EXPECT_EQ(last_changes_.removed.size(), 1u);
}

TEST_F(AlertingRuleTest, PendingThatEndsIsForgotten) {
  AlertingRule rule(AlertSpec("      - alert: Down\n        expr: up == 0\n        for: 5m\n"));
  promql::Vector down = Sample(R"({job="api"})", 0);
  Eval(rule, 0, down);
  Eval(rule, kMinute, {});
  EXPECT_TRUE(rule.Instances().empty());
  // Back: a new instance, whose `for` starts again.
  Eval(rule, 2 * kMinute, down);
  EXPECT_EQ(rule.Instances().at(0).active_at_ms, 2 * kMinute);
}

TEST_F(AlertingRuleTest, ForZeroFiresAtOnce) {
  AlertingRule rule(AlertSpec("      - alert: Down\n        expr: up == 0\n"));
  EXPECT_THAT(Eval(rule, 0, Sample(R"({job="api"})", 0)), ElementsAre("firing"));
}

TEST_F(AlertingRuleTest, KeepFiringFor) {
  AlertingRule rule(
      AlertSpec("      - alert: Err\n        expr: errors > 0\n        keep_firing_for: 10m\n"));
  promql::Vector on = Sample(R"({job="w"})", 3);
  EXPECT_THAT(Eval(rule, 0, on), ElementsAre("firing"));
  EXPECT_THAT(Eval(rule, kMinute, {}), ElementsAre("firing"));
  EXPECT_EQ(rule.Instances().at(0).keep_firing_since_ms, kMinute);
  // The condition returns: the clock is reset.
  EXPECT_THAT(Eval(rule, 2 * kMinute, on), ElementsAre("firing"));
  EXPECT_EQ(rule.Instances().at(0).keep_firing_since_ms, kNoTime);
  EXPECT_THAT(Eval(rule, 3 * kMinute, {}), ElementsAre("firing"));
  EXPECT_THAT(Eval(rule, 12 * kMinute, {}), ElementsAre("firing"));  // 9m < 10m.
  EXPECT_THAT(Eval(rule, 13 * kMinute, {}), IsEmpty());              // 10m: resolved.
  EXPECT_EQ(rule.Instances().at(0).resolved_at_ms, 13 * kMinute);
  EXPECT_EQ(rule.Instances().at(0).fired_at_ms, 0);
}

TEST_F(AlertingRuleTest, KeepFiringForDoesNotApplyToPending) {
  AlertingRule rule(AlertSpec(
      "      - alert: Err\n        expr: errors > 0\n        for: 5m\n        keep_firing_for: "
      "10m\n"));
  Eval(rule, 0, Sample(R"({job="w"})", 3));
  Eval(rule, kMinute, {});
  EXPECT_TRUE(rule.Instances().empty());
}

TEST_F(AlertingRuleTest, LabelsFromTheSampleAndTheRuleOverrideThem) {
  AlertingRule rule(AlertSpec(
      "      - alert: Err\n        expr: errors > 0\n        labels: {job: fixed, empty: \"\"}\n"));
  promql::Vector result = {
      {*LabelSet::Parse(R"({__name__="errors", job="a", empty="x", pod="1"})"), 0, 1},
      {*LabelSet::Parse(R"({__name__="errors", job="b", pod="2"})"), 0, 2}};
  Eval(rule, 0, result);
  auto instances = rule.Instances();
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].labels.ToString(), R"({alertname="Err", job="fixed", pod="1"})");
  EXPECT_EQ(instances[1].labels.ToString(), R"({alertname="Err", job="fixed", pod="2"})");
}

TEST_F(AlertingRuleTest, AlertsSeriesCarryTheExpandedLabels) {
  AlertingRule rule(AlertSpec(
      "      - alert: Err\n        expr: errors > 0\n        labels: {team: '{{ $labels.team }}', "
      "tier: '{{ $labels.job }}-x'}\n"));
  Eval(rule, 0, Sample(R"({__name__="errors", job="api"})", 1));
  ASSERT_EQ(last_series_.size(), 2u);
  // team expands to "": absent, not its template text.
  EXPECT_EQ(
      last_series_[0].labels.ToString(),
      R"({__name__="ALERTS", alertname="Err", alertstate="firing", job="api", tier="api-x"})");
  EXPECT_EQ(last_series_[1].labels.ToString(),
            R"({__name__="ALERTS_FOR_STATE", alertname="Err", job="api", tier="api-x"})");
}

TEST_F(AlertingRuleTest, TemplatesSeeTheSampleTheValueAndTheExternalLabels) {
  env_.external_labels = {{"cluster", "eu1"}};
  env_.external_url = "https://vigie.example";
  AlertingRule rule(
      AlertSpec("      - alert: Http404Spike\n        expr: x > 100\n        labels: {team: "
                "'{{ $labels.service }}-dev', severity: page}\n        annotations: {summary: "
                "'{{ $value | humanize }} 404s per minute on {{ $labels.service }} in {{ "
                "$externalLabels.cluster }}', link: '{{ $externalURL }}/x', bad: '{{ humanize "
                "$labels.service }}'}\n"));
  Eval(rule, 0, Sample(R"({service="front"})", 312456));
  auto instances = rule.Instances();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].labels.ToString(),
            R"({alertname="Http404Spike", service="front", severity="page", team="front-dev"})");
  EXPECT_EQ(instances[0].annotations.at("summary"), "312.5k 404s per minute on front in eu1");
  EXPECT_EQ(instances[0].annotations.at("link"), "https://vigie.example/x");
  EXPECT_THAT(instances[0].annotations.at("bad"),
              ::testing::StartsWith("<error expanding template: "));
  // Annotations follow the value; the labels (the identity) do not change.
  Eval(rule, 60'000, Sample(R"({service="front"})", 1000));
  EXPECT_EQ(rule.Instances().at(0).annotations.at("summary"), "1k 404s per minute on front in eu1");
}

TEST_F(AlertingRuleTest, SameLabelsetAfterRuleLabelsIsAnError) {
  AlertingRule rule(
      AlertSpec("      - alert: Err\n        expr: errors > 0\n        labels: {pod: all}\n"));
  promql::Vector result = {{*LabelSet::Parse(R"({pod="1"})"), 0, 1},
                           {*LabelSet::Parse(R"({pod="2"})"), 0, 2}};
  StateChanges changes;
  auto series = rule.Eval(0, 0, result, env_, 0, &changes);
  ASSERT_FALSE(series.ok());
  EXPECT_THAT(series.status().message(), ::testing::HasSubstr("same labelset"));
}

TEST_F(AlertingRuleTest, LimitClearsTheAlerts) {
  AlertingRule rule(AlertSpec("      - alert: Err\n        expr: errors > 0\n"));
  promql::Vector result = {{*LabelSet::Parse(R"({pod="1"})"), 0, 1},
                           {*LabelSet::Parse(R"({pod="2"})"), 0, 2}};
  StateChanges changes;
  auto series = rule.Eval(0, 0, result, env_, 1, &changes);
  ASSERT_FALSE(series.ok());
  EXPECT_EQ(series.status().message(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule.Instances().empty());
}

TEST_F(AlertingRuleTest, SendsAsPrometheusSends) {
  AlertingRule rule(AlertSpec("      - alert: Down\n        expr: up == 0\n        for: 1m\n"));
  promql::Vector down = Sample(R"({job="api"})", 0);
  const int64_t resend = kMinute, interval = 15'000;
  Eval(rule, 0, down);
  EXPECT_TRUE(rule.AlertsToSend(0, resend, interval, "u").empty());  // Pending: not sent.
  Eval(rule, kMinute, down);
  auto sent = rule.AlertsToSend(kMinute, resend, interval, "u");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].starts_at_ms, kMinute);  // Prometheus sends FiredAt.
  EXPECT_EQ(sent[0].ends_at_ms, kMinute + 4 * kMinute);
  EXPECT_EQ(sent[0].generator_url, "u");
  // Not again before the resend delay has passed.
  Eval(rule, kMinute + interval, down);
  EXPECT_TRUE(rule.AlertsToSend(kMinute + interval, resend, interval, "u").empty());
  Eval(rule, 2 * kMinute + 1, down);
  EXPECT_EQ(rule.AlertsToSend(2 * kMinute + 1, resend, interval, "u").size(), 1u);
  // Resolved: sent at once, with EndsAt the resolve time, and again each resend delay.
  Eval(rule, 2 * kMinute + interval, {});
  sent = rule.AlertsToSend(2 * kMinute + interval, resend, interval, "u");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].ends_at_ms, 2 * kMinute + interval);
  EXPECT_TRUE(rule.AlertsToSend(2 * kMinute + 2 * interval, resend, interval, "u").empty());
  EXPECT_EQ(rule.AlertsToSend(4 * kMinute, resend, interval, "u").size(), 1u);
}

TEST_F(AlertingRuleTest, DeployCorrelationAtOnset) {
  int calls = 0;
  env_.deploys = [&](const LabelSet& labels, int64_t onset) {
    ++calls;
    EXPECT_EQ(labels.Get("service"), "front");
    Deploy d;
    d.version = "67";
    d.commit = "3f2c1ab";
    d.author = "ann";
    d.time_ms = onset - 4 * kMinute - 10'000;
    return std::vector<Deploy>{d};
  };
  AlertingRule rule(
      AlertSpec("      - alert: Spike\n        expr: x > 0\n        labels: {service: front}\n"));
  promql::Vector on = Sample(R"({})", 1);
  Eval(rule, 10 * kMinute, on);
  Eval(rule, 11 * kMinute, on);
  EXPECT_EQ(calls, 1);  // Once, when it became active.
  auto sent = rule.AlertsToSend(11 * kMinute, kMinute, kMinute, "");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.Get("deploy_correlated"), "true");
  EXPECT_EQ(sent[0].annotations.at("deploy_version"), "67");
  EXPECT_EQ(sent[0].annotations.at("deploy_commit"), "3f2c1ab");
  EXPECT_EQ(sent[0].annotations.at("deploy_author"), "ann");
  EXPECT_EQ(sent[0].annotations.at("deploy_minutes_before"), "4");
  ASSERT_EQ(sent[0].deploys.size(), 1u);
  // ALERTS keeps Prometheus's labels.
  EXPECT_EQ(last_series_[0].labels.Get("deploy_correlated"), "");

  env_.deploys = [](const LabelSet&, int64_t) { return std::vector<Deploy>{}; };
  AlertingRule quiet(AlertSpec("      - alert: Q\n        expr: x > 0\n"));
  Eval(quiet, 0, on);
  sent = quiet.AlertsToSend(0, kMinute, kMinute, "");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].labels.Get("deploy_correlated"), "false");
  EXPECT_FALSE(sent[0].annotations.contains("deploy_version"));
}

TEST_F(AlertingRuleTest, ReportsStateChangesForPersistence) {
  AlertingRule rule(AlertSpec("      - alert: Down\n        expr: up == 0\n        for: 1m\n"));
  promql::Vector down = Sample(R"({job="api"})", 0);
  Eval(rule, 0, down);
  EXPECT_EQ(last_changes_.changed.size(), 1u);
  Eval(rule, 30'000, down);
  EXPECT_TRUE(last_changes_.empty());  // Only the value changed.
  Eval(rule, kMinute, down);
  ASSERT_EQ(last_changes_.changed.size(), 1u);
  EXPECT_EQ(last_changes_.changed[0].state, AlertState::kFiring);
}

}  // namespace
}  // namespace vigie::alerts::rules
