// An alerting rule's state machine, as Prometheus 2.42's rules/alerting.go runs it: each result
// sample is an alert instance (identity: the sample's labels without __name__, the rule's
// templated labels, alertname), pending from its activeAt, firing once `for` has passed,
// kept firing `keep_firing_for` after its condition ends, then resolved (inactive) and still
// sent as resolved for 15 minutes.
//
// Thread safety: Eval and the mutating methods are called by the group's thread one at a time;
// the snapshot methods (Instances, State) may be called from any thread meanwhile.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/alert.h"
#include "alerts/rules/rule_file.h"
#include "query/gotemplate/alert_template.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::alerts::rules {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing"

// An unset time (Go's zero time.Time): before every real one.
inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
// How long a resolved alert is kept, and sent as resolved (Prometheus's resolvedRetention).
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

struct AlertInstance {
  LabelSet labels;  // Identity.
  std::map<std::string, std::string> annotations;
  AlertState state = AlertState::kPending;
  double value = 0;
  int64_t active_at_ms = kNoTime;
  int64_t fired_at_ms = kNoTime;
  int64_t resolved_at_ms = kNoTime;
  int64_t last_sent_at_ms = kNoTime;
  int64_t valid_until_ms = kNoTime;
  int64_t keep_firing_since_ms = kNoTime;
  // Set when a DeployLookup is configured, at the instance's onset.
  std::optional<bool> deploy_correlated;
  std::vector<Deploy> deploys;  // Newest first.

  // The labels and annotations shown and sent: the identity plus deploy_correlated, and the
  // annotations plus deploy_version, deploy_commit, deploy_author, deploy_minutes_before.
  LabelSet OutputLabels() const;
  std::map<std::string, std::string> OutputAnnotations() const;
};

// What must be persisted after an evaluation: instances whose state changed, and removed ones.
struct StateChanges {
  std::vector<AlertInstance> changed;
  std::vector<uint64_t> removed;  // Fingerprints (LabelSet::Hash of the identity).
  bool empty() const { return changed.empty() && removed.empty(); }
};

// What evaluations need besides the query result.
struct AlertEnv {
  DeployLookup deploys;  // May be empty: no correlation, no deploy_correlated label.
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

// What a rule kind adds to one result sample's alert (anomaly rules: anomaly_rule.h): data for
// the templates (.Anomaly) and annotations kept beside the rule's own (which win on a clash).
struct SampleExtras {
  std::map<std::string, double> template_data;
  std::map<std::string, std::string> annotations;
};

class AlertingRule {
 public:
  // `spec` comes from the loader, which checked that its templates parse.
  explicit AlertingRule(const RuleSpec& spec);

  const RuleSpec& spec() const { return spec_; }

  // Advances the state machine with the query's result at `ts_ms` (the evaluation time;
  // `query_ts_ms` is when the query ran, ts - query_offset; `query` serves the templates'
  // {{ query }}, may be empty; `extras`, when given, holds one entry per sample of `result`).
  // Returns the ALERTS and
  // ALERTS_FOR_STATE samples to append; fills *changes. Errors as Prometheus's: a result with
  // two samples of the same labels after the rule's labels, or more than `limit` active alerts
  // (which clears every instance).
  absl::StatusOr<std::vector<store::SeriesSamples>> Eval(
      int64_t ts_ms, int64_t query_ts_ms, const promql::Vector& result, const AlertEnv& env,
      int64_t limit, StateChanges* changes, const gotemplate::QueryFunc& query = {},
      const std::vector<SampleExtras>* extras = nullptr);

  // The alerts due to be sent at `ts_ms` (firing ones every `resend_delay_ms`, resolved ones
  // as they resolve and then every resend_delay for 15 minutes), marked sent.
  std::vector<Alert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms, int64_t interval_ms,
                                  const std::string& generator_url);

  // Every instance, inactive (resolved) ones included, sorted by labels.
  std::vector<AlertInstance> Instances() const;
  // The highest state of its active instances.
  AlertState State() const;

  // Replaces the instances (restoring persisted state, or a reloaded rule's predecessor's).
  void SetInstances(std::vector<AlertInstance> instances);

 private:
  using Templates = std::vector<std::pair<std::string, gotemplate::AlertTemplate>>;
  // Label values set from their templates, annotations expanded, for one result sample.
  void Expand(const Templates& templates, const gotemplate::AlertTemplateData& data,
              std::map<std::string, std::string>* out) const;

  const RuleSpec spec_;
  Templates labels_;       // The rule's labels, parsed as templates.
  Templates annotations_;  // Likewise its annotations.
  mutable std::mutex mu_;
  std::map<uint64_t, AlertInstance> active_;  // By fingerprint of the identity.
};

}  // namespace vigie::alerts::rules
