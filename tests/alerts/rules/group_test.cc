// Groups over the real series store: rules in order at one time, recording rules' output seen
// by the next rule, ALERTS written, staleness markers, alignment, state carried across reloads.
#include "alerts/rules/group.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "alerts/rules/series_query.h"
#include "tests/promql/series_fixture.h"

namespace vigie::alerts::rules {
namespace {

constexpr int64_t kSecond = 1000;

GroupSpec OneGroup(const std::string& yaml, const std::string& file = "rules.yaml") {
  auto groups = ParseRuleFile(file, yaml, Limits());
  EXPECT_TRUE(groups.ok()) << groups.status();
  return groups.ok() ? (*groups)[0] : GroupSpec();
}

class GroupTest : public ::testing::Test {
 protected:
  GroupTest() {
    env_.query = SeriesQueryFunc(&series_.querier());
    env_.append = [this](std::vector<store::SeriesSamples> s) {
      for (const auto& one : s) appended_.push_back(one);
      series_.Add(std::move(s));
      return absl::OkStatus();
    };
    env_.notify = [this](std::vector<Alert> alerts) {
      for (Alert& a : alerts) sent_.push_back(std::move(a));
    };
  }

  // The value of `expr` at `ts`, one sample per series.
  promql::Vector Query(const std::string& expr, int64_t ts) {
    auto parsed = ParseRuleExpr(expr, Limits());
    EXPECT_TRUE(parsed.ok());
    auto value = env_.query(*parsed, ts, nullptr);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? value->vector : promql::Vector();
  }

  promql::testing::SeriesFixture series_;
  GroupEnv env_;
  std::vector<store::SeriesSamples> appended_;
  std::vector<Alert> sent_;
};

TEST_F(GroupTest, RecordingRuleOutputIsSeenByTheNextRuleAtTheSameEvaluation) {
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="1"})"), {{0, 3}});
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="2"})"), {{0, 4}});
  Group group(OneGroup(R"(groups:
  - name: g
    interval: 10s
    rules:
      - record: job:x:sum
        expr: sum(x)
        labels: {team: web}
      - alert: Big
        expr: job:x:sum > 5
        annotations: {summary: big}
)"),
              &env_);
  group.Eval(10 * kSecond);
  auto recorded = Query("job:x:sum", 10 * kSecond);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].labels.ToString(), R"({__name__="job:x:sum", team="web"})");
  EXPECT_EQ(recorded[0].value, 7);
  auto alerts = Query("ALERTS", 10 * kSecond);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels.ToString(),
            R"({__name__="ALERTS", alertname="Big", alertstate="firing", team="web"})");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].labels.ToString(), R"({alertname="Big", team="web"})");
  EXPECT_EQ(sent_[0].annotations.at("summary"), "big");
  EXPECT_EQ(sent_[0].starts_at_ms, 10 * kSecond);
  EXPECT_EQ(sent_[0].ends_at_ms, 10 * kSecond + 4 * 60 * kSecond);
  EXPECT_EQ(sent_[0].generator_url, "/graph?g0.expr=job%3Ax%3Asum+%3E+5&g0.tab=1");

  GroupStatus status = group.Status();
  EXPECT_EQ(status.last_evaluation_ms, 10 * kSecond);
  ASSERT_EQ(status.rules.size(), 2u);
  EXPECT_EQ(status.rules[0].health, "ok");
  EXPECT_EQ(status.rules[1].state, AlertState::kFiring);
  ASSERT_EQ(status.rules[1].alerts.size(), 1u);
}

TEST_F(GroupTest, SeriesThatGoAwayAreMarkedStale) {
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="1"})"), {{0, 3}, {20 * kSecond, 0}});
  Group group(OneGroup(R"(groups:
  - name: g
    rules:
      - record: x:high
        expr: x > 1
      - alert: High
        expr: x > 1
)"),
              &env_);
  group.Eval(10 * kSecond);
  EXPECT_EQ(Query("x:high", 10 * kSecond).size(), 1u);
  appended_.clear();
  group.Eval(30 * kSecond);
  // x:high, ALERTS and ALERTS_FOR_STATE all end with a staleness marker at 30s.
  ASSERT_EQ(appended_.size(), 3u);
  for (const auto& s : appended_) {
    ASSERT_EQ(s.samples.size(), 1u);
    EXPECT_EQ(s.samples[0].ts_ms, 30 * kSecond);
    EXPECT_TRUE(store::IsStaleNaN(s.samples[0].value)) << s.labels.ToString();
  }
  EXPECT_TRUE(Query("x:high", 30 * kSecond).empty());
  EXPECT_TRUE(Query("ALERTS", 30 * kSecond).empty());
}

TEST_F(GroupTest, AFailingRuleDoesNotStopTheOthers) {
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="1"})"), {{0, 3}});
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="2"})"), {{0, 3}});
  Group group(OneGroup(R"(groups:
  - name: g
    rules:
      - record: same
        expr: x
        labels: {pod: one}
      - record: fine
        expr: sum(x)
)"),
              &env_);
  group.Eval(10 * kSecond);
  GroupStatus status = group.Status();
  EXPECT_EQ(status.rules[0].health, "err");
  EXPECT_THAT(status.rules[0].last_error, ::testing::HasSubstr("same labelset"));
  EXPECT_EQ(status.rules[1].health, "ok");
  EXPECT_EQ(Query("fine", 10 * kSecond).size(), 1u);
}

TEST_F(GroupTest, EvaluationTimesAreSlotsAtTheGroupsOwnOffset) {
  Group a(OneGroup("groups:\n  - name: a\n    interval: 1m\n"), &env_);
  Group b(OneGroup("groups:\n  - name: b\n    interval: 1m\n"), &env_);
  const int64_t interval_ns = 60'000'000'000;
  const int64_t base = 1'700'000'000'000'000'000;
  int64_t phase_a = a.EvalTimestampNs(base) % interval_ns;
  EXPECT_NE(phase_a, b.EvalTimestampNs(base) % interval_ns);
  for (int64_t now = base; now < base + 3 * interval_ns; now += 7'777'777'777) {
    int64_t slot = a.EvalTimestampNs(now);
    EXPECT_LE(slot, now);
    EXPECT_GT(slot, now - interval_ns);
    EXPECT_EQ(slot % interval_ns, phase_a);
  }
  // The phase is the group's, whatever the process: another group with the same file and name
  // has it too.
  Group again(OneGroup("groups:\n  - name: a\n    interval: 1m\n"), &env_);
  EXPECT_EQ(again.EvalTimestampNs(base), a.EvalTimestampNs(base));
  Group other_file(OneGroup("groups:\n  - name: a\n    interval: 1m\n", "other.yaml"), &env_);
  EXPECT_NE(other_file.EvalTimestampNs(base), a.EvalTimestampNs(base));
}

TEST_F(GroupTest, ReloadedGroupKeepsTheStateOfItsUnchangedAlerts) {
  series_.Add(*LabelSet::Parse(R"({__name__="x", pod="1"})"),
              {{0, 3}, {60 * kSecond, 3}, {120 * kSecond, 3}});
  const std::string rules = R"(groups:
  - name: g
    rules:
      - alert: High
        expr: x > 1
        for: 1m
      - alert: Removed
        expr: x > 1
)";
  Group old_group(OneGroup(rules), &env_);
  old_group.Eval(10 * kSecond);
  // The new version changes the expression of High (same name and labels) and drops Removed.
  Group new_group(OneGroup(R"(groups:
  - name: g
    rules:
      - alert: High
        expr: x > 2
        for: 1m
)"),
                  &env_);
  new_group.CopyStateFrom(old_group);
  appended_.clear();
  new_group.Eval(70 * kSecond);
  GroupStatus status = new_group.Status();
  ASSERT_EQ(status.rules[0].alerts.size(), 1u);
  EXPECT_EQ(status.rules[0].alerts[0].active_at_ms, 10 * kSecond);
  EXPECT_EQ(status.rules[0].alerts[0].state, AlertState::kFiring);
  // Removed's series are marked stale.
  int stale = 0;
  for (const auto& s : appended_) {
    if (s.labels.Get("alertname") == "Removed") {
      EXPECT_TRUE(std::isnan(s.samples[0].value));
      ++stale;
    }
  }
  EXPECT_EQ(stale, 2);
}

}  // namespace
}  // namespace vigie::alerts::rules
