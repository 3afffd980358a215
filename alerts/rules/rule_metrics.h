// The rule engine's own metrics, under Prometheus's names (so that the Prometheus mixin's
// dashboards and alerts, PrometheusRuleFailures, PrometheusMissingRuleEvaluations, work as they
// are), labelled rule_group="<file>;<group>" as Prometheus labels them. docs/alerts.md lists them.
//
// Thread safety: prometheus-cpp's metrics are safe to update from any thread; ForGroup and
// RemoveGroup may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/summary.h"

namespace vigie::alerts::rules {

// One group's metrics. Valid until RuleMetrics::RemoveGroup of its key.
struct GroupMetrics {
  prometheus::Counter* evaluations = nullptr;        // Rule evaluations.
  prometheus::Counter* failures = nullptr;           // Rule evaluations that failed.
  prometheus::Counter* iterations = nullptr;         // Group evaluations scheduled.
  prometheus::Counter* iterations_missed = nullptr;  // Skipped: the previous one ran late.
  prometheus::Gauge* interval_seconds = nullptr;
  prometheus::Gauge* last_evaluation_timestamp = nullptr;
  prometheus::Gauge* last_duration_seconds = nullptr;
  prometheus::Gauge* rules = nullptr;
  prometheus::Gauge* last_evaluation_samples = nullptr;
};

class RuleMetrics {
 public:
  // Registers the families on `registry` (not owned; must outlive this object).
  explicit RuleMetrics(prometheus::Registry* registry);

  GroupMetrics* ForGroup(const std::string& group_key);
  void RemoveGroup(const std::string& group_key);

  // Prometheus's summaries without labels: one rule's, and one group's, evaluation time.
  void ObserveRule(double seconds) { rule_duration_.Observe(seconds); }
  void ObserveGroup(double seconds) { group_duration_.Observe(seconds); }

 private:
  prometheus::Family<prometheus::Counter>& evaluations_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Counter>& iterations_;
  prometheus::Family<prometheus::Counter>& iterations_missed_;
  prometheus::Family<prometheus::Gauge>& interval_;
  prometheus::Family<prometheus::Gauge>& last_evaluation_;
  prometheus::Family<prometheus::Gauge>& last_duration_;
  prometheus::Family<prometheus::Gauge>& rules_;
  prometheus::Family<prometheus::Gauge>& samples_;
  prometheus::Summary& rule_duration_;
  prometheus::Summary& group_duration_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<GroupMetrics>> groups_;
};

}  // namespace vigie::alerts::rules
