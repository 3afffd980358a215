// anomaly: and backlog: in rule files: what they read, and errors naming file:line, group, rule
// and field; a backlog rule's condition on the real PromQL evaluator: fires while the queue
// rises with nothing processed, or stays up and unprocessed, not while it drains or is
// processed as fast as it fills, and resolves when it drains.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/rules/backlog.h"
#include "alerts/rules/group.h"
#include "alerts/rules/series_query.h"
#include "common/strings.h"
#include "tests/promql/series_fixture.h"

namespace vigie::alerts::rules {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view content) {
  auto groups = ParseRuleFile("rules/q.yaml", content, Limits());
  EXPECT_FALSE(groups.ok()) << "accepted:\n" << content;
  return groups.ok() ? "" : std::string(groups.status().message());
}

std::string OneRule(std::string_view rule) {
  return StrCat("groups:\n  - name: g\n    rules:\n", rule);
}

TEST(RuleKindsTest, AnomalyRulesReadTheirSettingsWithDefaults) {
  auto groups = ParseRuleFile("a.yaml", OneRule(R"(      - alert: A
        anomaly: {expr: 'sum(rate(logins_total[5m]))'}
        for: 10m
      - alert: B
        anomaly:
          expr: sum(count_over_time({service="front"} |~ `" 404 ` [1m]))
          direction: up
          sensitivity: high
          detector: combined
        keep_firing_for: 5m
        labels: {severity: ticket}
)"),
                              Limits());
  ASSERT_TRUE(groups.ok()) << groups.status();
  const RuleSpec& a = (*groups)[0].rules[0];
  ASSERT_TRUE(a.anomaly.has_value());
  EXPECT_EQ(a.anomaly->direction, detectors::Direction::kBoth);
  EXPECT_EQ(a.anomaly->sensitivity, detectors::Sensitivity::kMedium);
  EXPECT_EQ(a.anomaly->detector, detectors::kDefaultDetector);
  EXPECT_EQ(a.expr.language, Language::kPromQL);
  EXPECT_EQ(a.for_ms, 600'000);
  const RuleSpec& b = (*groups)[0].rules[1];
  EXPECT_EQ(b.expr.language, Language::kLogQL);
  EXPECT_EQ(b.anomaly->direction, detectors::Direction::kUp);
  EXPECT_EQ(b.anomaly->sensitivity, detectors::Sensitivity::kHigh);
  EXPECT_EQ(b.keep_firing_for_ms, 300'000);
  // A change of setting is a change of rule (a reload replaces the group).
  RuleSpec changed = b;
  changed.anomaly->direction = detectors::Direction::kDown;
  EXPECT_FALSE(changed == b);
}

TEST(RuleKindsTest, AnomalyErrorsNameTheirPlaceAndField) {
  EXPECT_EQ(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: 'up', direction: "
                            "sideways}\n")),
            "rules/q.yaml:5: group \"g\", rule \"A\": anomaly.direction: "
            "direction 'sideways' is not one of up, down, both");
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: 'up', sensitivity: "
                              "extreme}\n")),
              HasSubstr("rules/q.yaml:5: group \"g\", rule \"A\": anomaly.sensitivity: "));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: 'up', detector: "
                              "nosuch}\n")),
              HasSubstr("rule \"A\": anomaly.detector: "));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {direction: up}\n")),
              HasSubstr("rule \"A\": anomaly.expr: must be set"));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: 'sum(('}\n")),
              HasSubstr("rules/q.yaml:5: group \"g\", rule \"A\": anomaly.expr: PromQL: "));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: up, threshold: 3}\n")),
              HasSubstr("unknown field \"threshold\" in anomaly"));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        expr: up\n        anomaly: {expr: up}\n")),
              HasSubstr("rules/q.yaml:4: group \"g\", rule \"A\": only one of 'expr', 'anomaly' "
                        "and 'backlog' may be set"));
  EXPECT_THAT(ErrorOf(OneRule("      - record: r\n        anomaly: {expr: up}\n")),
              HasSubstr("use 'alert', not 'record'"));
  // Errors elsewhere in the file are all reported.
  EXPECT_THAT(ErrorOf(OneRule("      - alert: A\n        anomaly: {expr: up, direction: no}\n"
                              "      - alert: B\n        anomaly: up\n")),
              HasSubstr("rules/q.yaml:7: group \"g\", rule \"B\": anomaly must be a mapping"));
}

TEST(RuleKindsTest, BacklogRulesBecomeTheirCondition) {
  auto groups = ParseRuleFile("q.yaml", OneRule(R"(      - alert: QueueNotDraining
        backlog: {depth: 'queue_depth{queue="algolia"}', processed: 'rate(queue_processed_total{queue="algolia"}[5m])', for: 10m}
)"),
                              Limits());
  ASSERT_TRUE(groups.ok()) << groups.status();
  const RuleSpec& r = (*groups)[0].rules[0];
  ASSERT_TRUE(r.backlog.has_value());
  EXPECT_EQ(r.backlog->window_ms, 600'000);
  EXPECT_EQ(r.backlog->depth, "queue_depth{queue=\"algolia\"}");
  EXPECT_THAT(r.expr.canonical, HasSubstr("deriv(queue_depth{queue=\"algolia\"}[10m])"));
  EXPECT_THAT(r.expr.canonical, HasSubstr("min_over_time(queue_depth{queue=\"algolia\"}[10m])"));
  // A depth that is not a plain selector is read over the window with a subquery.
  groups = ParseRuleFile("q.yaml", OneRule(R"(      - alert: Q
        backlog: {depth: 'sum(queue_depth)', processed: 'sum(rate(done_total[5m]))', for: 2m}
)"),
                         Limits());
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_THAT((*groups)[0].rules[0].expr.canonical, HasSubstr("(sum(queue_depth))[2m:6s]"));
}

TEST(RuleKindsTest, BacklogErrorsNameTheirPlaceAndField) {
  EXPECT_THAT(ErrorOf(OneRule("      - alert: Q\n        backlog: {depth: q, processed: p}\n")),
              HasSubstr("rules/q.yaml:5: group \"g\", rule \"Q\": backlog.for: \"\" must be a "
                        "duration > 0"));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: Q\n        backlog: {depth: q, for: 1m}\n")),
              HasSubstr("rule \"Q\": backlog.processed: must be set"));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: Q\n        backlog: {depth: 'sum(count_over_time("
                              "{app=\"q\"}[1m]))', processed: p, for: 1m}\n")),
              HasSubstr("backlog.depth: must be PromQL"));
  EXPECT_THAT(ErrorOf(OneRule("      - alert: Q\n        backlog: {depth: q, processed: p, for: "
                              "soon}\n")),
              HasSubstr("backlog.for: \"soon\" must be a duration > 0"));
}

constexpr int64_t kSecond = 1000;

class BacklogTest : public ::testing::Test {
 protected:
  BacklogTest() {
    env_.query = SeriesQueryFunc(&series_.querier());
    env_.append = [](std::vector<store::SeriesSamples>) { return absl::OkStatus(); };
  }

  // Depth and the processed counter, one sample every 10 s from `from`.
  void Feed(int64_t from, const std::vector<double>& depth, const std::vector<double>& processed) {
    std::vector<store::Sample> d, p;
    for (size_t i = 0; i < depth.size(); ++i) {
      d.push_back({from + static_cast<int64_t>(i) * 10 * kSecond, depth[i]});
      p.push_back({from + static_cast<int64_t>(i) * 10 * kSecond, processed[i]});
    }
    series_.Add(*LabelSet::Parse(R"({__name__="queue_depth", queue="algolia"})"), d);
    series_.Add(*LabelSet::Parse(R"({__name__="queue_processed_total", queue="algolia"})"), p);
  }

  std::vector<AlertInstance> FiringAt(Group& group, int64_t ts) {
    group.Eval(ts);
    std::vector<AlertInstance> out;
    GroupStatus status = group.Status();
    for (AlertInstance& a : status.rules[0].alerts) {
      if (a.state == AlertState::kFiring) out.push_back(std::move(a));
    }
    return out;
  }

  GroupSpec Spec() {
    auto groups = ParseRuleFile("q.yaml", OneRule(R"(      - alert: QueueNotDraining
        backlog: {depth: 'queue_depth', processed: 'rate(queue_processed_total[1m])', for: 1m}
)"),
                                Limits());
    EXPECT_TRUE(groups.ok()) << groups.status();
    return (*groups)[0];
  }

  promql::testing::SeriesFixture series_;
  GroupEnv env_;
};

TEST_F(BacklogTest, FiresWhileNothingProcessesAndResolvesWhenItDrains) {
  // 0-60 s: processed as fast as it comes (depth steady at 5, counter rising);
  // 70-180 s: the workers stop, the depth rises; 190-240 s: they drain it to 0.
  std::vector<double> depth, processed;
  for (int i = 0; i <= 6; ++i) depth.push_back(5), processed.push_back(10.0 * i);
  for (int i = 1; i <= 12; ++i) depth.push_back(5 + 3 * i), processed.push_back(60);
  for (double d : {30.0, 20.0, 10.0, 5.0, 0.0, 0.0}) {
    depth.push_back(d), processed.push_back(processed.back() + 20);
  }
  Feed(0, depth, processed);
  Group group(Spec(), &env_);
  EXPECT_TRUE(FiringAt(group, 60 * kSecond).empty());
  // The processed rate reaches zero a minute after the last increase, while the depth is up.
  auto firing = FiringAt(group, 140 * kSecond);
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].labels.ToString(), R"({alertname="QueueNotDraining", queue="algolia"})");
  EXPECT_EQ(firing[0].value, 5 + 3 * 8);  // $value is the depth (at 140 s).
  EXPECT_EQ(FiringAt(group, 180 * kSecond).size(), 1u);
  EXPECT_TRUE(FiringAt(group, 240 * kSecond).empty());  // Drained: resolved.
}

TEST_F(BacklogTest, FiresWhenProcessingIsFarBelowArrivals) {
  // The depth rises 1/s while 0.05/s are processed: a twentieth of the arrivals.
  std::vector<double> depth, processed;
  for (int i = 0; i <= 18; ++i) depth.push_back(10 + 10 * i), processed.push_back(0.5 * i);
  Feed(0, depth, processed);
  Group group(Spec(), &env_);
  EXPECT_EQ(FiringAt(group, 180 * kSecond).size(), 1u);
}

TEST_F(BacklogTest, DoesNotFireOnAQueueProcessedAsItFills) {
  // The depth rises 0.2/s while 2/s are processed: busy, not stuck.
  std::vector<double> depth, processed;
  for (int i = 0; i <= 18; ++i) depth.push_back(10 + 2 * i), processed.push_back(20.0 * i);
  Feed(0, depth, processed);
  Group group(Spec(), &env_);
  EXPECT_TRUE(FiringAt(group, 180 * kSecond).empty());
}

}  // namespace
}  // namespace vigie::alerts::rules
