#include "alerts/rules/alerting_rule.h"

#include <algorithm>
#include <tuple>

#include "common/strings.h"

namespace vigie::alerts::rules {
namespace {

using LabelMap = std::map<std::string, std::string>;

LabelMap ToMap(const LabelSet& labels) {
  LabelMap out;
  for (const Label& l : labels.labels()) out[l.name] = l.value;
  return out;
}

// Labels from a map whose names are valid (they come from a LabelSet or a checked rule file).
LabelSet FromMap(const LabelMap& map) {
  std::vector<Label> labels;
  for (const auto& [name, value] : map) {
    if (!value.empty()) labels.push_back({name, value});
  }
  return LabelSet::Make(std::move(labels)).value_or(LabelSet());
}

store::SeriesSamples SeriesOf(LabelMap labels, int64_t ts_ms, double value) {
  return {FromMap(labels), {{ts_ms, value}}};
}

// What of an alert is persisted (its state and times): a change to it is a change to write.
auto PersistedState(const AlertInstance& a) {
  return std::tuple(a.state, a.active_at_ms, a.fired_at_ms, a.resolved_at_ms,
                    a.keep_firing_since_ms);
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

LabelSet AlertInstance::OutputLabels() const {
  if (!deploy_correlated) return labels;
  LabelMap map = ToMap(labels);
  map["deploy_correlated"] = *deploy_correlated ? "true" : "false";
  return FromMap(map);
}

std::map<std::string, std::string> AlertInstance::OutputAnnotations() const {
  if (deploys.empty()) return annotations;
  std::map<std::string, std::string> out = annotations;
  const Deploy& newest = deploys.front();
  out["deploy_version"] = newest.version;
  out["deploy_commit"] = newest.commit;
  out["deploy_author"] = newest.author;
  out["deploy_minutes_before"] = StrCat((active_at_ms - newest.time_ms) / 60'000);
  return out;
}

AlertingRule::AlertingRule(const RuleSpec& spec) : spec_(spec) {
  auto parse = [&](const std::map<std::string, std::string>& texts, Templates* out) {
    for (const auto& [name, text] : texts) {
      auto parsed = gotemplate::AlertTemplate::Parse(text, spec_.alert);
      if (parsed.ok()) out->emplace_back(name, std::move(*parsed));
    }
  };
  parse(spec_.labels, &labels_);
  parse(spec_.annotations, &annotations_);
}

void AlertingRule::Expand(const Templates& templates, const gotemplate::AlertTemplateData& data,
                          std::map<std::string, std::string>* out) const {
  for (const auto& [name, t] : templates) (*out)[name] = t.ExpandOrError(data);
}

absl::StatusOr<std::vector<store::SeriesSamples>> AlertingRule::Eval(
    int64_t ts_ms, int64_t query_ts_ms, const promql::Vector& result, const AlertEnv& env,
    int64_t limit, StateChanges* changes, const gotemplate::QueryFunc& query,
    const std::vector<SampleExtras>* extras) {
  // The instances the result describes, labels and annotations expanded.
  std::map<uint64_t, AlertInstance> found;
  for (size_t i = 0; i < result.size(); ++i) {
    const promql::InstantSample& sample = result[i];
    gotemplate::AlertTemplateData data;
    data.labels = ToMap(sample.labels);
    data.external_labels = env.external_labels;
    data.external_url = env.external_url;
    data.value = sample.value;
    data.eval_time = absl::FromUnixMillis(query_ts_ms);
    data.query = query;
    if (extras != nullptr) data.anomaly = (*extras)[i].template_data;
    LabelMap labels = data.labels;
    labels.erase("__name__");
    Expand(labels_, data, &labels);
    labels["alertname"] = spec_.alert;
    AlertInstance instance;
    instance.labels = FromMap(labels);
    Expand(annotations_, data, &instance.annotations);
    if (extras != nullptr)
      instance.annotations.insert((*extras)[i].annotations.begin(), (*extras)[i].annotations.end());
    instance.active_at_ms = ts_ms;
    instance.value = sample.value;
    uint64_t fp = instance.labels.Hash();
    if (!found.emplace(fp, std::move(instance)).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  std::lock_guard lock(mu_);
  // To tell what changed, for persistence: the persisted state of each alert, not a copy.
  std::map<uint64_t, decltype(PersistedState(AlertInstance()))> before;
  for (const auto& [fp, a] : active_) before.emplace_hint(before.end(), fp, PersistedState(a));
  for (auto& [fp, instance] : found) {
    auto it = active_.find(fp);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = instance.value;
      it->second.annotations = std::move(instance.annotations);
      continue;
    }
    if (env.deploys) {
      instance.deploys = env.deploys(instance.labels, ts_ms);
      instance.deploy_correlated = !instance.deploys.empty();
    }
    active_[fp] = std::move(instance);
  }

  std::vector<store::SeriesSamples> out;
  int64_t active_count = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    AlertInstance& a = it->second;
    if (!found.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && spec_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == kNoTime) a.keep_firing_since_ms = ts_ms;
        keep_firing = ts_ms - a.keep_firing_since_ms < spec_.keep_firing_for_ms;
      }
      // A resolved alert is kept for a while, so that it is sent as resolved.
      bool drop = a.state == AlertState::kPending ||
                  (a.resolved_at_ms != kNoTime && ts_ms - a.resolved_at_ms > kResolvedRetentionMs);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (drop) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = kNoTime;  // The condition holds again.
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= spec_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    // The alert's own labels (rule labels expanded; one expanded to "" is absent), as
    // Prometheus writes them.
    LabelMap series = ToMap(a.labels);
    series["__name__"] = "ALERTS";
    series["alertstate"] = std::string(AlertStateName(a.state));
    out.push_back(SeriesOf(series, query_ts_ms, 1));
    series.erase("alertstate");
    series["__name__"] = "ALERTS_FOR_STATE";
    out.push_back(SeriesOf(series, query_ts_ms, static_cast<double>(a.active_at_ms / 1000)));
    ++it;
  }
  if (limit > 0 && active_count > limit) {
    for (const auto& [fp, state] : before) changes->removed.push_back(fp);
    for (const auto& [fp, a] : active_) {
      if (!before.contains(fp)) changes->removed.push_back(fp);
    }
    active_.clear();
    return absl::ResourceExhaustedError(
        StrCat("exceeded limit of ", limit, " with ", active_count, " alerts"));
  }

  for (const auto& [fp, state] : before) {
    if (!active_.contains(fp)) changes->removed.push_back(fp);
  }
  for (const auto& [fp, a] : active_) {
    auto old = before.find(fp);
    if (old == before.end() || old->second != PersistedState(a)) changes->changed.push_back(a);
  }
  return out;
}

std::vector<Alert> AlertingRule::AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                              int64_t interval_ms,
                                              const std::string& generator_url) {
  std::vector<Alert> out;
  std::lock_guard lock(mu_);
  for (auto& [fp, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    bool due = a.resolved_at_ms > a.last_sent_at_ms ||
               (a.last_sent_at_ms == kNoTime || a.last_sent_at_ms + resend_delay_ms < ts_ms);
    if (!due) continue;
    a.last_sent_at_ms = ts_ms;
    // Valid for two missed evaluations or sends more.
    a.valid_until_ms = ts_ms + 4 * std::max(interval_ms, resend_delay_ms);
    Alert alert;
    alert.labels = a.OutputLabels();
    alert.annotations = a.OutputAnnotations();
    alert.starts_at_ms = a.fired_at_ms;
    alert.ends_at_ms = a.resolved_at_ms != kNoTime ? a.resolved_at_ms : a.valid_until_ms;
    alert.updated_at_ms = ts_ms;
    alert.generator_url = generator_url;
    alert.deploys = a.deploys;
    out.push_back(std::move(alert));
  }
  return out;
}

std::vector<AlertInstance> AlertingRule::Instances() const {
  std::vector<AlertInstance> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [fp, a] : active_) out.push_back(a);
  }
  std::sort(out.begin(), out.end(),
            [](const AlertInstance& a, const AlertInstance& b) { return a.labels < b.labels; });
  return out;
}

AlertState AlertingRule::State() const {
  std::lock_guard lock(mu_);
  AlertState state = AlertState::kInactive;
  for (const auto& [fp, a] : active_) state = std::max(state, a.state);
  return state;
}

void AlertingRule::SetInstances(std::vector<AlertInstance> instances) {
  std::lock_guard lock(mu_);
  active_.clear();
  for (AlertInstance& a : instances) {
    uint64_t fp = a.labels.Hash();
    active_[fp] = std::move(a);
  }
}

}  // namespace vigie::alerts::rules
