// anomaly: rules through a Group with fake seams: a daily login curve learnt over simulated
// days fires on a drop (with the band in its annotations and templates) and not without one,
// says it is learning meanwhile, keeps its detectors across a restart (the record store), and
// learns at once from a backfill.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "alerts/rules/group.h"
#include "common/strings.h"
#include "store/records.h"

namespace vigie::alerts::rules {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int64_t kStep = kMinute;  // The group's interval.
// A Monday, 00:00 UTC.
constexpr int64_t kStart = 1'764'547'200'000;

// Logins per minute: 40 at night to 400 in the evening, with a little deterministic noise.
double Logins(int64_t ts_ms) {
  double phase = static_cast<double>(ts_ms % kDay) / kDay;
  double noise = static_cast<double>((ts_ms / kStep * 2654435761u) % 1000) / 1000 - 0.5;
  return 220 - 180 * std::cos(2 * std::numbers::pi * (phase - 0.125)) + 8 * noise;
}

const std::string kRules = R"(groups:
  - name: accounts
    interval: 1m
    rules:
      - alert: LoginsAnomalous
        anomaly: {expr: 'sum(rate(logins_total[5m]))', direction: down}
        labels: {severity: page, team: '{{ $labels.service }}'}
        annotations:
          summary: 'logins {{ $value | printf "%.0f" }}/min, expected {{ printf "%.0f" .Anomaly.Lower }}–{{ printf "%.0f" .Anomaly.Upper }}'
          when: '{{ (toTime .Anomaly.Time).Format "Monday 15:04" }}'
)";

GroupSpec Spec(const std::string& yaml) {
  auto groups = ParseRuleFile("accounts.yaml", yaml, Limits());
  EXPECT_TRUE(groups.ok()) << groups.status();
  return groups.ok() ? (*groups)[0] : GroupSpec();
}

class AnomalyRuleTest : public ::testing::Test {
 protected:
  AnomalyRuleTest() : records_(store::NewMemRecordStore()), state_(records_.get()) {
    env_.query = [this](const RuleExpr&, int64_t ts, const std::function<bool()>&) {
      promql::Value v;
      v.type = promql::ValueType::kVector;
      v.ts_ms = ts;
      v.vector.push_back({LabelSet(), ts, ts >= drop_from_ ? 41 : Logins(ts)});
      return absl::StatusOr<promql::Value>(v);
    };
    env_.range_query = [](const RuleExpr&, const promql::StepRange& r,
                          const std::function<bool()>&) {
      promql::Matrix m(1);
      for (int64_t t = r.start_ms; t <= r.end_ms; t += r.step_ms)
        m[0].points.push_back({t, Logins(t)});
      return absl::StatusOr<promql::Matrix>(m);
    };
    env_.append = [this](std::vector<store::SeriesSamples> s) {
      for (auto& one : s) appended_.push_back(std::move(one));
      return absl::OkStatus();
    };
    env_.state = &state_;
  }

  // Evaluates every step in [from, to).
  void Run(Group& group, int64_t from, int64_t to) {
    for (int64_t t = from; t < to; t += kStep) group.Eval(t);
  }

  // The last evaluation's vigie_anomaly_* values, for failure messages.
  std::string Appended() const {
    std::string out;
    for (const auto& s : appended_) {
      StrAppend(&out, s.labels.Get("__name__"), "=", s.samples[0].value, " ");
    }
    return out;
  }

  const RuleStatus& Rule(Group& group) {
    status_ = group.Status();
    return status_.rules[0];
  }

  std::unique_ptr<store::RecordStore> records_;
  AlertStateStore state_;
  GroupEnv env_;
  int64_t drop_from_ = std::numeric_limits<int64_t>::max();
  std::vector<store::SeriesSamples> appended_;
  GroupStatus status_;
};

TEST_F(AnomalyRuleTest, LearnsThenFiresOnADropWithTheBandInItsAnnotations) {
  Group group(Spec(kRules), &env_);
  Run(group, kStart, kStart + 2 * kStep);
  ASSERT_TRUE(Rule(group).anomaly.has_value());
  EXPECT_EQ(Rule(group).anomaly->series, 1u);
  EXPECT_EQ(Rule(group).anomaly->learning, 1u);  // Says so, and does not fire.
  EXPECT_TRUE(Rule(group).alerts.empty());
  // The score and band are written as series with the rule's labels.
  ASSERT_FALSE(appended_.empty());
  EXPECT_EQ(appended_[0].labels.Get("__name__"), "vigie_anomaly_score");
  EXPECT_EQ(appended_[0].labels.Get("alertname"), "LoginsAnomalous");
  EXPECT_EQ(appended_[0].labels.Get("severity"), "page");
  EXPECT_EQ(appended_[0].labels.Get("team"), "");  // A template is the alerts'.

  const int64_t end = kStart + 4 * kDay + 21 * 60 * kMinute;  // Friday 21:00.
  Run(group, kStart + 2 * kStep, end);
  EXPECT_EQ(Rule(group).anomaly->learning, 0u);
  EXPECT_TRUE(Rule(group).alerts.empty())
      << "fired on the normal curve at " << Rule(group).alerts[0].active_at_ms;
  drop_from_ = end;
  appended_.clear();
  Run(group, end, end + kStep);
  ASSERT_EQ(Rule(group).alerts.size(), 1u) << Appended();
  const AlertInstance& alert = Rule(group).alerts[0];
  EXPECT_EQ(alert.state, AlertState::kFiring);
  EXPECT_EQ(alert.value, 41);
  const auto& a = alert.annotations;
  EXPECT_EQ(a.at("anomaly_value"), "41");
  double lower = std::stod(a.at("anomaly_lower"));
  double upper = std::stod(a.at("anomaly_upper"));
  EXPECT_GT(lower, 41);
  EXPECT_LT(lower, Logins(end));
  EXPECT_GT(upper, Logins(end));
  EXPECT_LT(std::stod(a.at("anomaly_deviation")), 0);
  EXPECT_THAT(a.at("anomaly_summary"), HasSubstr("41, expected "));
  EXPECT_THAT(a.at("anomaly_summary"), HasSubstr("for a Friday 21:00 UTC"));
  EXPECT_THAT(a.at("anomaly_summary"), HasSubstr("below the band"));
  EXPECT_THAT(a.at("summary"), HasSubstr("logins 41/min, expected "));
  EXPECT_THAT(a.at("summary"), ::testing::Not(HasSubstr("error")));
  EXPECT_EQ(a.at("when"), "Friday 21:00");
  // Recovery resolves it (the score stays high a few points after an anomaly).
  drop_from_ = std::numeric_limits<int64_t>::max();
  Run(group, end + kStep, end + 9 * kStep);
  appended_.clear();
  Run(group, end + 9 * kStep, end + 10 * kStep);
  EXPECT_TRUE(Rule(group).alerts.empty()) << Appended();
}

TEST_F(AnomalyRuleTest, DetectorsSurviveARestartThroughTheRecordStore) {
  const int64_t end = kStart + 3 * kDay + 21 * 60 * kMinute;
  {
    Group group(Spec(kRules), &env_);
    Run(group, kStart, end);
    ASSERT_EQ(Rule(group).anomaly->learning, 0u);
  }
  Group restarted(Spec(kRules), &env_);
  ASSERT_TRUE(restarted.RestoreState().ok());
  EXPECT_EQ(Rule(restarted).anomaly->series, 1u);
  EXPECT_EQ(Rule(restarted).anomaly->learning, 0u);  // Known before its first evaluation.
  drop_from_ = end;
  Run(restarted, end, end + kStep);
  EXPECT_EQ(Rule(restarted).anomaly->learning, 0u);
  ASSERT_EQ(Rule(restarted).alerts.size(), 1u);  // Fires at once: nothing relearnt.

  // Another expression under the same name does not take the state learnt on this one.
  std::string changed = kRules;
  changed.replace(changed.find("logins_total"), 12, "signins_total");
  Group other(Spec(changed), &env_);
  ASSERT_TRUE(other.RestoreState().ok());
  EXPECT_EQ(Rule(other).anomaly->series, 0u);
}

TEST_F(AnomalyRuleTest, BackfillLearnsAtOnce) {
  const int64_t end = kStart + 4 * kDay + 21 * 60 * kMinute;
  Group group(Spec(kRules), &env_);
  auto result = group.Backfill("LoginsAnomalous", {end - 4 * kDay, end, kStep}, nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->series, 1u);
  EXPECT_EQ(result->points, static_cast<size_t>(4 * kDay / kStep + 1));
  EXPECT_EQ(result->learning, 0u);
  drop_from_ = end + kStep;
  Run(group, end + kStep, end + 2 * kStep);
  ASSERT_EQ(Rule(group).alerts.size(), 1u);
  // Persisted: a restarted group has it.
  Group restarted(Spec(kRules), &env_);
  ASSERT_TRUE(restarted.RestoreState().ok());
  EXPECT_EQ(Rule(restarted).anomaly->series, 1u);
  EXPECT_EQ(group.Backfill("Nope", {end - kDay, end, kStep}, nullptr).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AnomalyRuleTest, AReloadKeepsTheDetectorsOfTheSameExpression) {
  const int64_t end = kStart + 2 * kDay;
  Group old_group(Spec(kRules), &env_);
  Run(old_group, kStart, end);
  ASSERT_EQ(Rule(old_group).anomaly->learning, 0u);
  // A new sensitivity replaces the group; the detectors carry over.
  std::string changed = kRules;
  changed.replace(changed.find("direction: down"), 15, "direction: down, sensitivity: high");
  Group new_group(Spec(changed), &env_);
  new_group.CopyStateFrom(old_group);
  EXPECT_EQ(Rule(new_group).anomaly->series, 1u);
  EXPECT_EQ(Rule(new_group).anomaly->learning, 0u);
  // A new expression starts learning again.
  changed.replace(changed.find("logins_total"), 12, "signins_total");
  Group other(Spec(changed), &env_);
  other.CopyStateFrom(new_group);
  EXPECT_EQ(Rule(other).anomaly->series, 0u);
}

TEST_F(AnomalyRuleTest, RemovedRulesLoseTheirDetectorsAtCleanup) {
  Group group(Spec(kRules), &env_);
  Run(group, kStart, kStart + kStep);
  ASSERT_TRUE(state_.DeleteAllExcept({}).ok());
  Group restarted(Spec(kRules), &env_);
  ASSERT_TRUE(restarted.RestoreState().ok());
  EXPECT_EQ(Rule(restarted).anomaly->series, 0u);
}

}  // namespace
}  // namespace vigie::alerts::rules
