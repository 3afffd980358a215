// Alert state persisted in the record store and restored: a restart keeps pending and firing
// alerts with their activeAt.
#include "alerts/rules/alert_state_store.h"

#include <gtest/gtest.h>

#include "alerts/rules/group.h"

namespace vigie::alerts::rules {
namespace {

constexpr int64_t kMinute = 60'000;

class AlertStateTest : public ::testing::Test {
 protected:
  AlertStateTest() : records_(store::NewMemRecordStore()), state_(records_.get()) {
    env_.query = [this](const RuleExpr&, int64_t, const std::function<bool()>&) {
      promql::Value v;
      v.type = promql::ValueType::kVector;
      v.vector = result_;
      return absl::StatusOr<promql::Value>(v);
    };
    env_.append = [](std::vector<store::SeriesSamples>) { return absl::OkStatus(); };
    env_.state = &state_;
  }

  GroupSpec Spec() {
    auto groups = ParseRuleFile("r.yaml", R"(groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        annotations: {summary: down}
)",
                                Limits());
    return (*groups)[0];
  }

  int Records() {
    int n = 0;
    EXPECT_TRUE(records_
                    ->ScanRecords(store::RecordSpace::kAlertState, "", "",
                                  [&](std::string_view key, std::string_view) {
                                    EXPECT_TRUE(key.starts_with("r/"));
                                    ++n;
                                    return true;
                                  })
                    .ok());
    return n;
  }

  std::unique_ptr<store::RecordStore> records_;
  AlertStateStore state_;
  GroupEnv env_;
  promql::Vector result_ = {{*LabelSet::Parse(R"({job="api"})"), 0, 0}};
};

TEST_F(AlertStateTest, RestartKeepsPendingAlertsAndTheirForClock) {
  {
    Group group(Spec(), &env_);
    group.Eval(0);
    group.Eval(kMinute);
  }
  EXPECT_EQ(Records(), 1);
  Group restarted(Spec(), &env_);
  ASSERT_TRUE(restarted.RestoreState().ok());
  auto alerts = restarted.Status().rules[0].alerts;
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kPending);
  EXPECT_EQ(alerts[0].active_at_ms, 0);
  EXPECT_EQ(alerts[0].annotations.at("summary"), "down");
  restarted.Eval(5 * kMinute);  // 5 minutes after the original onset: fires.
  alerts = restarted.Status().rules[0].alerts;
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].fired_at_ms, 5 * kMinute);
}

TEST_F(AlertStateTest, RestartKeepsFiringAlerts) {
  {
    Group group(Spec(), &env_);
    group.Eval(0);
    group.Eval(5 * kMinute);
  }
  Group restarted(Spec(), &env_);
  ASSERT_TRUE(restarted.RestoreState().ok());
  auto alerts = restarted.Status().rules[0].alerts;
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].active_at_ms, 0);
  EXPECT_EQ(alerts[0].fired_at_ms, 5 * kMinute);
}

TEST_F(AlertStateTest, ResolvedAlertsAreForgottenAfterTheirRetention) {
  Group group(Spec(), &env_);
  group.Eval(0);
  result_.clear();
  group.Eval(kMinute);  // Pending, then gone: deleted.
  EXPECT_EQ(Records(), 0);
}

TEST_F(AlertStateTest, RecordsRoundTrip) {
  AlertInstance a;
  a.labels = *LabelSet::Parse(R"({alertname="A", service="front"})");
  a.annotations = {{"summary", "s"}};
  a.state = AlertState::kFiring;
  a.value = 312;
  a.active_at_ms = 0;
  a.fired_at_ms = 120'000;
  a.keep_firing_since_ms = 180'000;
  a.deploy_correlated = true;
  Deploy d;
  d.id = "1";
  d.service = "front";
  d.version = "67";
  d.time_ms = -240'000;
  d.end_ms = -200'000;
  a.deploys = {d};
  auto back = AlertStateStore::Decode(AlertStateStore::Encode("r.yaml;g", "A", a));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->labels, a.labels);
  EXPECT_EQ(back->annotations, a.annotations);
  EXPECT_EQ(back->state, AlertState::kFiring);
  EXPECT_EQ(back->value, 312);
  EXPECT_EQ(back->active_at_ms, 0);
  EXPECT_EQ(back->fired_at_ms, 120'000);
  EXPECT_EQ(back->resolved_at_ms, kNoTime);
  EXPECT_EQ(back->keep_firing_since_ms, 180'000);
  EXPECT_EQ(back->deploy_correlated, std::optional<bool>(true));
  ASSERT_EQ(back->deploys.size(), 1u);
  EXPECT_EQ(back->deploys[0].version, "67");
  EXPECT_EQ(back->deploys[0].end_ms, std::optional<int64_t>(-200'000));
  EXPECT_FALSE(AlertStateStore::Decode("{not json").ok());
}

TEST_F(AlertStateTest, DeleteAllExceptKeepsTheLoadedRules) {
  {
    Group group(Spec(), &env_);
    group.Eval(0);
    EXPECT_EQ(Records(), 1);
    ASSERT_TRUE(state_.DeleteAllExcept({group.StatePrefixes()[0]}).ok());
    EXPECT_EQ(Records(), 1);
  }
  ASSERT_TRUE(state_.DeleteAllExcept({}).ok());
  EXPECT_EQ(Records(), 0);
}

}  // namespace
}  // namespace vigie::alerts::rules
