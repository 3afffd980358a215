// A rule group evaluated as Prometheus 2.42's rules.Group: its rules in order at one evaluation
// time, a recording rule's samples appended before the next rule runs (so the next one sees
// them), alerting rules' alerts persisted, sent and written as ALERTS / ALERTS_FOR_STATE, and
// series a rule stops producing marked stale.
//
// Eval(ts) is the whole evaluation at a given time: the scheduler (manager.h) calls it on the
// group's slots; tests and `vigie rules test` call it on virtual time with their own seams.
//
// Thread safety: Eval, CopyStateFrom, RestoreState and MarkAllStale are called by one thread at
// a time (the group's); Status may be called from any thread meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/rules/alert_state_store.h"
#include "alerts/rules/alerting_rule.h"
#include "alerts/rules/anomaly_rule.h"
#include "alerts/rules/rule_file.h"
#include "alerts/rules/rule_metrics.h"
#include "alerts/rules/seams.h"

namespace vigie::alerts::rules {

// What every group uses. Not owned by the groups; outlives them.
struct GroupEnv {
  QueryFunc query;
  RangeQueryFunc range_query;  // May be empty: anomaly rules cannot be backfilled.
  AppendFunc append;
  NotifyFunc notify;                     // May be empty: alerts are not sent.
  AlertEnv alerts;                       // Deploy lookup, external labels and URL.
  AlertStateStore* state = nullptr;      // Null: nothing persisted.
  RuleMetrics* metrics = nullptr;        // Null: not counted.
  int64_t default_interval_ms = 60'000;  // For groups without `interval`.
  int64_t resend_delay_ms = 60'000;      // Prometheus's --rules.alert.resend-delay.
};

struct RuleStatus {
  RuleSpec spec;
  std::string health = "unknown";  // "ok", "err", "unknown" (not evaluated yet).
  std::string last_error;
  double evaluation_seconds = 0;
  int64_t last_evaluation_ms = kNoTime;        // The evaluation time it last ran at.
  AlertState state = AlertState::kInactive;    // Alerting rules.
  std::vector<AlertInstance> alerts;           // Alerting rules: active ones (pending, firing).
  std::optional<AnomalyRule::Counts> anomaly;  // Anomaly rules: series, and those learning.
};

struct GroupStatus {
  std::string file;
  std::string name;
  int64_t interval_ms = 0;
  int64_t limit = 0;
  double evaluation_seconds = 0;
  int64_t last_evaluation_ms = kNoTime;
  std::vector<RuleStatus> rules;
};

class Group {
 public:
  // `env` is not owned and must outlive the group.
  Group(GroupSpec spec, const GroupEnv* env);
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const GroupSpec& spec() const { return spec_; }
  std::string key() const { return spec_.Key(); }
  int64_t interval_ms() const { return interval_ms_; }

  // Prometheus's slot: the latest evaluation time at or before `now_ns`, at an offset within the
  // interval given by the hash of the group's file and name (so groups spread over the
  // interval, and a group keeps its phase across restarts).
  int64_t EvalTimestampNs(int64_t now_ns) const;

  // Evaluates every rule in order at `ts_ms`. Failures are the rule's health (and counted);
  // nothing here throws or stops the group. `cancelled` may be empty.
  void Eval(int64_t ts_ms, const std::function<bool()>& cancelled = nullptr);

  // Takes over the state of `from`, the group this one replaces at a reload, as Prometheus's
  // CopyState does: rules are matched by name and labels (the n-th duplicate with the n-th);
  // their alerts and staleness tracking carry over; series of unmatched old rules are marked
  // stale at this group's next evaluation.
  void CopyStateFrom(Group& from);

  // Loads the persisted alert instances of its alerting rules (env->state).
  absl::Status RestoreState();

  // The record prefixes of its alerting rules (to keep at cleanup).
  std::vector<std::string> StatePrefixes() const;

  // Appends staleness markers at `ts_ms` for every series its rules wrote at their last
  // evaluation: the group is removed.
  void MarkAllStale(int64_t ts_ms);

  GroupStatus Status() const;

  // Learns the anomaly rules named `rule` from history: their expression over `range`
  // (range_query), replayed through fresh detectors that replace theirs
  // (AnomalyRule::Backfill). NotFound when the group has no anomaly rule of that name;
  // FailedPrecondition without a range query function.
  absl::StatusOr<AnomalyRule::BackfillResult> Backfill(const std::string& rule,
                                                       const promql::StepRange& range,
                                                       const std::function<bool()>& cancelled);

 private:
  struct Rule {
    RuleSpec spec;
    std::string identity;                    // Name and labels (Prometheus's nameAndLabels).
    std::string state_prefix;                // For the alert state records.
    std::unique_ptr<AlertingRule> alerting;  // Null for a recording rule.
    std::unique_ptr<AnomalyRule> anomaly;    // Anomaly rules only.
    std::string generator_url;               // Alerting rules: the alerts' link to the rule.
    // Written at the last evaluation, by canonical encoding: marked stale when they go.
    std::map<std::string, LabelSet> previous_series;
    // Status, under mu_.
    std::string health = "unknown";
    std::string last_error;
    double evaluation_seconds = 0;
    int64_t last_evaluation_ms = kNoTime;
  };

  // One rule at ts: query, state machine or relabelling, persistence, notification, append.
  // Returns the samples produced, or the error.
  absl::StatusOr<size_t> EvalRule(Rule& rule, int64_t ts_ms,
                                  const std::function<bool()>& cancelled);
  // What the templates' {{ query }} runs through: the group's query function.
  gotemplate::QueryFunc TemplateQuery(const std::function<bool()>& cancelled) const;
  absl::StatusOr<std::vector<store::SeriesSamples>> Record(const Rule& rule,
                                                           const promql::Vector& result);
  // Appends `series` plus staleness markers for what `rule` wrote last time and not now.
  absl::Status Append(Rule& rule, std::vector<store::SeriesSamples> series, int64_t ts_ms);
  void AppendStale(const std::vector<LabelSet>& series, int64_t ts_ms);

  const GroupSpec spec_;
  const GroupEnv* env_;
  const int64_t interval_ms_;
  GroupMetrics* metrics_ = nullptr;
  std::vector<Rule> rules_;
  std::vector<LabelSet> stale_series_;  // From unmatched rules of the group replaced.
  mutable std::mutex mu_;               // Guards the status fields.
  double evaluation_seconds_ = 0;
  int64_t last_evaluation_ms_ = kNoTime;
};

// promql::Value as a rule reads it: an instant vector, or a scalar as one sample without labels.
absl::StatusOr<promql::Vector> RuleVector(promql::Value value);

}  // namespace vigie::alerts::rules
