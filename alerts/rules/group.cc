#include "alerts/rules/group.h"

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <algorithm>
#include <iterator>
#include <set>

#include "common/strings.h"
#include "common/time.h"
#include "query/gotemplate/go_strings.h"

namespace vigie::alerts::rules {
namespace {

std::string LabelsText(const std::map<std::string, std::string>& labels) {
  std::vector<Label> list;
  for (const auto& [name, value] : labels) list.push_back({name, value});
  auto set = LabelSet::Make(std::move(list));
  return set.ok() ? set->ToString() : "{}";
}

std::string SeriesKey(const LabelSet& labels) { return labels.Encode(); }

}  // namespace

absl::StatusOr<promql::Vector> RuleVector(promql::Value value) {
  switch (value.type) {
    case promql::ValueType::kVector:
      return std::move(value.vector);
    case promql::ValueType::kScalar:
      return promql::Vector{{LabelSet(), value.ts_ms, value.scalar}};
    default:
      return absl::InvalidArgumentError("rule result is not a vector or scalar");
  }
}

Group::Group(GroupSpec spec, const GroupEnv* env)
    : spec_(std::move(spec)),
      env_(env),
      interval_ms_(spec_.interval_ms > 0 ? spec_.interval_ms : env->default_interval_ms) {
  std::map<std::string, int> seen;
  for (const RuleSpec& r : spec_.rules) {
    Rule rule;
    rule.spec = r;
    rule.identity = r.name() + LabelsText(r.labels);
    int rank = seen[rule.identity]++;
    rule.state_prefix = RuleStatePrefix(key(), StrCat(rule.identity, "#", rank));
    if (r.is_alert()) {
      rule.alerting = std::make_unique<AlertingRule>(r);
      if (r.anomaly)
        rule.anomaly = std::make_unique<AnomalyRule>(r, rule.state_prefix, env_->state);
      rule.generator_url =
          StrCat(env_->alerts.external_url,
                 "/graph?g0.expr=", gotemplate::QueryEscape(r.expr.canonical), "&g0.tab=1");
    }
    rules_.push_back(std::move(rule));
  }
  if (env_->metrics != nullptr) {
    metrics_ = env_->metrics->ForGroup(key());
    metrics_->interval_seconds->Set(static_cast<double>(interval_ms_) / 1000);
    metrics_->rules->Set(static_cast<double>(rules_.size()));
  }
}

int64_t Group::EvalTimestampNs(int64_t now_ns) const {
  // Prometheus hashes the labels {file="<file>", name="<name>"}: name, 0xff, value, 0xff each.
  std::string bytes = StrCat("file\xff", spec_.file, "\xff", "name\xff", spec_.name, "\xff");
  uint64_t hash = XXH64(bytes.data(), bytes.size(), 0);
  int64_t interval_ns = interval_ms_ * 1'000'000;
  int64_t offset = static_cast<int64_t>(hash % static_cast<uint64_t>(interval_ns));
  int64_t adjusted = now_ns - offset;
  int64_t base = adjusted - adjusted % interval_ns;
  return base + offset;
}

void Group::Eval(int64_t ts_ms, const std::function<bool()>& cancelled) {
  int64_t group_start = MonotonicNanos();
  size_t samples = 0;
  for (Rule& rule : rules_) {
    if (cancelled && cancelled()) break;
    int64_t start = MonotonicNanos();
    if (metrics_ != nullptr) metrics_->evaluations->Increment();
    absl::StatusOr<size_t> produced = EvalRule(rule, ts_ms, cancelled);
    double seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
    if (produced.ok()) {
      samples += *produced;
    } else {
      if (metrics_ != nullptr) metrics_->failures->Increment();
      if (!absl::IsCancelled(produced.status())) {
        spdlog::warn("rules: group \"{}\" ({}), rule \"{}\": evaluation failed: {}", spec_.name,
                     spec_.file, rule.spec.name(), produced.status().message());
      }
    }
    if (env_->metrics != nullptr) env_->metrics->ObserveRule(seconds);
    std::lock_guard lock(mu_);
    rule.health = produced.ok() ? "ok" : "err";
    rule.last_error = produced.ok() ? "" : std::string(produced.status().message());
    rule.evaluation_seconds = seconds;
    rule.last_evaluation_ms = ts_ms;
  }
  if (!stale_series_.empty()) {
    AppendStale(stale_series_, ts_ms - spec_.query_offset_ms);
    stale_series_.clear();
  }
  double seconds = static_cast<double>(MonotonicNanos() - group_start) / 1e9;
  if (metrics_ != nullptr) {
    metrics_->last_duration_seconds->Set(seconds);
    metrics_->last_evaluation_timestamp->Set(static_cast<double>(ts_ms) / 1000);
    metrics_->last_evaluation_samples->Set(static_cast<double>(samples));
  }
  if (env_->metrics != nullptr) env_->metrics->ObserveGroup(seconds);
  std::lock_guard lock(mu_);
  evaluation_seconds_ = seconds;
  last_evaluation_ms_ = ts_ms;
}

absl::StatusOr<size_t> Group::EvalRule(Rule& rule, int64_t ts_ms,
                                       const std::function<bool()>& cancelled) {
  static const std::function<bool()> kNever = [] { return false; };
  int64_t query_ts = ts_ms - spec_.query_offset_ms;
  auto value = env_->query(rule.spec.expr, query_ts, cancelled ? cancelled : kNever);
  if (!value.ok()) return value.status();
  auto vector = RuleVector(std::move(*value));
  if (!vector.ok()) return vector.status();

  absl::StatusOr<std::vector<store::SeriesSamples>> series;
  if (rule.alerting != nullptr) {
    StateChanges changes;
    // An anomaly rule's alerts are its series whose detectors fire.
    std::optional<AnomalyRule::Outcome> anomaly;
    if (rule.anomaly != nullptr) anomaly = rule.anomaly->Observe(query_ts, *vector);
    series = rule.alerting->Eval(
        ts_ms, query_ts, anomaly ? anomaly->firing : *vector, env_->alerts, spec_.limit, &changes,
        TemplateQuery(cancelled ? cancelled : kNever), anomaly ? &anomaly->extras : nullptr);
    if (series.ok() && anomaly) std::ranges::move(anomaly->series, std::back_inserter(*series));
    // Durable before anything is sent: a restart resumes from what was notified.
    if (env_->state != nullptr && !changes.empty()) {
      if (absl::Status st = env_->state->Apply(rule.state_prefix, key(), rule.spec.name(), changes);
          !st.ok()) {
        spdlog::error("rules: group \"{}\", rule \"{}\": saving alert state: {}", spec_.name,
                      rule.spec.name(), st.message());
      }
    }
    if (!series.ok()) return series.status();
    std::vector<Alert> alerts =
        rule.alerting->AlertsToSend(ts_ms, env_->resend_delay_ms, interval_ms_, rule.generator_url);
    if (!alerts.empty() && env_->notify) {
      if (!env_->alerts.external_labels.empty()) {
        for (Alert& a : alerts) {  // As Prometheus's notifier adds them.
          std::vector<Label> labels = a.labels.labels();
          for (const auto& [name, value] : env_->alerts.external_labels) {
            if (a.labels.Get(name).empty()) labels.push_back({name, value});
          }
          a.labels = LabelSet::Make(std::move(labels)).value_or(a.labels);
        }
      }
      env_->notify(std::move(alerts));
    }
  } else {
    series = Record(rule, *vector);
    if (!series.ok()) return series.status();
  }
  size_t count = series->size();
  if (absl::Status st = Append(rule, std::move(*series), query_ts); !st.ok()) return st;
  return count;
}

gotemplate::QueryFunc Group::TemplateQuery(const std::function<bool()>& cancelled) const {
  return [this, cancelled](std::string_view text,
                           absl::Time at) -> absl::StatusOr<std::vector<gotemplate::QuerySample>> {
    auto expr = ParseRuleExpr(text, Limits());
    if (!expr.ok()) return expr.status();
    auto value = env_->query(*expr, absl::ToUnixMillis(at), cancelled);
    if (!value.ok()) return value.status();
    auto vector = RuleVector(std::move(*value));
    if (!vector.ok()) return vector.status();
    std::vector<gotemplate::QuerySample> out;
    for (const promql::InstantSample& s : *vector) {
      gotemplate::QuerySample sample;
      for (const Label& l : s.labels.labels()) sample.labels[l.name] = l.value;
      sample.value = s.value;
      out.push_back(std::move(sample));
    }
    return out;
  };
}

absl::StatusOr<std::vector<store::SeriesSamples>> Group::Record(const Rule& rule,
                                                                const promql::Vector& result) {
  std::vector<store::SeriesSamples> out;
  std::set<std::string> seen;
  for (const promql::InstantSample& sample : result) {
    std::map<std::string, std::string> labels;
    for (const Label& l : sample.labels.labels()) labels[l.name] = l.value;
    labels["__name__"] = rule.spec.record;
    for (const auto& [name, value] : rule.spec.labels) labels[name] = value;
    std::vector<Label> list;
    for (auto& [name, value] : labels) {
      if (!value.empty()) list.push_back({name, value});
    }
    auto set = LabelSet::Make(std::move(list));
    if (!set.ok()) return set.status();
    if (!seen.insert(SeriesKey(*set)).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying rule labels");
    }
    out.push_back({std::move(*set), {{sample.ts_ms, sample.value}}});
  }
  if (spec_.limit > 0 && static_cast<int64_t>(out.size()) > spec_.limit) {
    return absl::ResourceExhaustedError(
        StrCat("exceeded limit of ", spec_.limit, " with ", out.size(), " series"));
  }
  return out;
}

absl::Status Group::Append(Rule& rule, std::vector<store::SeriesSamples> series, int64_t ts_ms) {
  std::map<std::string, LabelSet> returned;
  for (const store::SeriesSamples& s : series) returned.emplace(SeriesKey(s.labels), s.labels);
  for (const auto& [key, labels] : rule.previous_series) {
    if (!returned.contains(key)) series.push_back({labels, {{ts_ms, store::StaleNaN()}}});
  }
  if (!series.empty()) {
    if (absl::Status st = env_->append(std::move(series)); !st.ok()) return st;
  }
  rule.previous_series = std::move(returned);
  return absl::OkStatus();
}

void Group::AppendStale(const std::vector<LabelSet>& series, int64_t ts_ms) {
  std::vector<store::SeriesSamples> stale;
  for (const LabelSet& labels : series) stale.push_back({labels, {{ts_ms, store::StaleNaN()}}});
  if (stale.empty()) return;
  if (absl::Status st = env_->append(std::move(stale)); !st.ok()) {
    spdlog::warn("rules: group \"{}\": writing staleness markers: {}", spec_.name, st.message());
  }
}

void Group::CopyStateFrom(Group& from) {
  std::map<std::string, std::vector<size_t>> by_identity;
  for (size_t i = 0; i < from.rules_.size(); ++i) {
    by_identity[from.rules_[i].identity].push_back(i);
  }
  std::vector<bool> matched(from.rules_.size(), false);
  for (Rule& rule : rules_) {
    auto& candidates = by_identity[rule.identity];
    if (candidates.empty()) continue;
    size_t i = candidates.front();
    candidates.erase(candidates.begin());
    matched[i] = true;
    Rule& old = from.rules_[i];
    rule.previous_series = old.previous_series;
    if (rule.alerting != nullptr && old.alerting != nullptr) {
      rule.alerting->SetInstances(old.alerting->Instances());
    }
    if (rule.anomaly != nullptr && old.anomaly != nullptr) rule.anomaly->TakeOver(*old.anomaly);
  }
  stale_series_ = from.stale_series_;
  for (size_t i = 0; i < from.rules_.size(); ++i) {
    if (matched[i]) continue;
    for (const auto& [key, labels] : from.rules_[i].previous_series)
      stale_series_.push_back(labels);
  }
  std::lock_guard lock(mu_);
  std::lock_guard from_lock(from.mu_);
  evaluation_seconds_ = from.evaluation_seconds_;
  last_evaluation_ms_ = from.last_evaluation_ms_;
}

absl::Status Group::RestoreState() {
  if (env_->state == nullptr) return absl::OkStatus();
  for (Rule& rule : rules_) {
    if (rule.alerting == nullptr) continue;
    auto instances = env_->state->Load(rule.state_prefix);
    if (!instances.ok()) return instances.status();
    if (!instances->empty()) rule.alerting->SetInstances(std::move(*instances));
    if (rule.anomaly != nullptr) {
      if (absl::Status st = rule.anomaly->Restore(); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> Group::StatePrefixes() const {
  std::vector<std::string> out;
  for (const Rule& rule : rules_) {
    if (rule.alerting != nullptr) out.push_back(rule.state_prefix);
  }
  return out;
}

void Group::MarkAllStale(int64_t ts_ms) {
  std::vector<LabelSet> all = stale_series_;
  for (Rule& rule : rules_) {
    for (const auto& [key, labels] : rule.previous_series) all.push_back(labels);
    rule.previous_series.clear();
  }
  stale_series_.clear();
  AppendStale(all, ts_ms);
}

GroupStatus Group::Status() const {
  GroupStatus out;
  out.file = spec_.file;
  out.name = spec_.name;
  out.interval_ms = interval_ms_;
  out.limit = spec_.limit;
  std::lock_guard lock(mu_);
  out.evaluation_seconds = evaluation_seconds_;
  out.last_evaluation_ms = last_evaluation_ms_;
  for (const Rule& rule : rules_) {
    RuleStatus r;
    r.spec = rule.spec;
    r.health = rule.health;
    r.last_error = rule.last_error;
    r.evaluation_seconds = rule.evaluation_seconds;
    r.last_evaluation_ms = rule.last_evaluation_ms;
    if (rule.anomaly != nullptr) r.anomaly = rule.anomaly->counts();
    if (rule.alerting != nullptr) {
      r.state = rule.alerting->State();
      for (AlertInstance& a : rule.alerting->Instances()) {
        if (a.state != AlertState::kInactive) r.alerts.push_back(std::move(a));
      }
    }
    out.rules.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<AnomalyRule::BackfillResult> Group::Backfill(
    const std::string& name, const promql::StepRange& range,
    const std::function<bool()>& cancelled) {
  if (!env_->range_query) {
    return absl::FailedPreconditionError("backfill: no range query function is configured");
  }
  AnomalyRule::BackfillResult total;
  bool found = false;
  for (Rule& rule : rules_) {
    if (rule.anomaly == nullptr || rule.spec.alert != name) continue;
    found = true;
    promql::StepRange shifted = range;  // The rule's query_offset applies to the history too.
    shifted.start_ms -= spec_.query_offset_ms;
    shifted.end_ms -= spec_.query_offset_ms;
    auto history = env_->range_query(rule.spec.expr, shifted, cancelled);
    if (!history.ok()) return history.status();
    auto result = rule.anomaly->Backfill(*history);
    if (!result.ok()) return result.status();
    total.series += result->series;
    total.points += result->points;
    total.learning += result->learning;
  }
  if (!found) {
    return absl::NotFoundError(
        StrCat("group \"", spec_.name, "\" has no anomaly rule \"", name, "\""));
  }
  return total;
}

}  // namespace vigie::alerts::rules
