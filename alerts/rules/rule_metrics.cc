#include "alerts/rules/rule_metrics.h"

namespace vigie::alerts::rules {
namespace {

prometheus::Summary::Quantiles Quantiles() { return {{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}}; }

template <typename Builder>
auto& Family(Builder builder, const char* name, const char* help, prometheus::Registry* r) {
  return builder.Name(name).Help(help).Register(*r);
}

}  // namespace

RuleMetrics::RuleMetrics(prometheus::Registry* r)
    : evaluations_(Family(prometheus::BuildCounter(), "prometheus_rule_evaluations_total",
                          "The total number of rule evaluations.", r)),
      failures_(Family(prometheus::BuildCounter(), "prometheus_rule_evaluation_failures_total",
                       "The total number of rule evaluation failures.", r)),
      iterations_(Family(prometheus::BuildCounter(), "prometheus_rule_group_iterations_total",
                         "The total number of scheduled rule group evaluations, whether "
                         "executed or missed.",
                         r)),
      iterations_missed_(Family(prometheus::BuildCounter(),
                                "prometheus_rule_group_iterations_missed_total",
                                "The total number of rule group evaluations missed due to slow "
                                "rule group evaluation.",
                                r)),
      interval_(Family(prometheus::BuildGauge(), "prometheus_rule_group_interval_seconds",
                       "The interval of a rule group.", r)),
      last_evaluation_(Family(prometheus::BuildGauge(),
                              "prometheus_rule_group_last_evaluation_timestamp_seconds",
                              "The timestamp of the last rule group evaluation in seconds.", r)),
      last_duration_(Family(prometheus::BuildGauge(), "prometheus_rule_group_last_duration_seconds",
                            "The duration of the last rule group evaluation.", r)),
      rules_(Family(prometheus::BuildGauge(), "prometheus_rule_group_rules", "The number of rules.",
                    r)),
      samples_(Family(prometheus::BuildGauge(), "prometheus_rule_group_last_evaluation_samples",
                      "The number of samples returned during the last rule group evaluation.", r)),
      rule_duration_(Family(prometheus::BuildSummary(),
                            "prometheus_rule_evaluation_duration_seconds",
                            "The duration for a rule to execute.", r)
                         .Add({}, Quantiles())),
      group_duration_(Family(prometheus::BuildSummary(), "prometheus_rule_group_duration_seconds",
                             "The duration of rule group evaluations.", r)
                          .Add({}, Quantiles())) {}

GroupMetrics* RuleMetrics::ForGroup(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& slot = groups_[key];
  if (!slot) {
    const prometheus::Labels labels = {{"rule_group", key}};
    slot = std::make_unique<GroupMetrics>();
    slot->evaluations = &evaluations_.Add(labels);
    slot->failures = &failures_.Add(labels);
    slot->iterations = &iterations_.Add(labels);
    slot->iterations_missed = &iterations_missed_.Add(labels);
    slot->interval_seconds = &interval_.Add(labels);
    slot->last_evaluation_timestamp = &last_evaluation_.Add(labels);
    slot->last_duration_seconds = &last_duration_.Add(labels);
    slot->rules = &rules_.Add(labels);
    slot->last_evaluation_samples = &samples_.Add(labels);
  }
  return slot.get();
}

void RuleMetrics::RemoveGroup(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(key);
  if (it == groups_.end()) return;
  GroupMetrics* m = it->second.get();
  evaluations_.Remove(m->evaluations);
  failures_.Remove(m->failures);
  iterations_.Remove(m->iterations);
  iterations_missed_.Remove(m->iterations_missed);
  interval_.Remove(m->interval_seconds);
  last_evaluation_.Remove(m->last_evaluation_timestamp);
  last_duration_.Remove(m->last_duration_seconds);
  rules_.Remove(m->rules);
  samples_.Remove(m->last_evaluation_samples);
  groups_.erase(it);
}

}  // namespace vigie::alerts::rules
