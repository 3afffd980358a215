#include "collector/inputs/scrape_target.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/strings.h"

namespace vigie::collector {

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double value) { return std::bit_cast<uint64_t>(value) == kStaleNaNBits; }

namespace {

bool HasLabel(const std::vector<Label>& labels, std::string_view name) {
  return std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == name; });
}

// Prometheus's name for a type in its metadata: the text format's "untyped" is "unknown".
std::string MetadataType(std::string_view type) {
  return type == "untyped" ? "unknown" : std::string(type);
}

}  // namespace

// Collects one body's samples and metadata into an Outcome.
class TargetSamples::Handler : public exposition::ExpositionHandler {
 public:
  Handler(TargetSamples* target, int64_t start_ms, Outcome* outcome)
      : target_(target), start_ms_(start_ms), outcome_(outcome) {}

  void OnSample(const exposition::ExpositionSample& sample) override {
    ++scraped_;
    absl::string_view key(sample.series.data(), sample.series.size());
    auto it = target_->series_.find(key);
    if (it == target_->series_.end()) {
      absl::StatusOr<LabelSet> labels = target_->SeriesLabels(sample);
      if (!labels.ok()) {
        Malformed(StrCat("series ", sample.series, ": ", labels.status().message()));
        return;
      }
      it = target_->series_.emplace(std::string(sample.series), Series{*std::move(labels)}).first;
      ++added_;
    } else if (it->second.scrape == target_->scrape_) {
      return;  // The same series twice in one scrape: Prometheus keeps the first.
    }
    Series& series = it->second;
    series.scrape = target_->scrape_;
    bool own = target_->honor_timestamps_ && sample.timestamp_ms.has_value();
    series.own_timestamp = own;
    outcome_->unit.samples.push_back(
        MetricSample{series.labels, own ? *sample.timestamp_ms : start_ms_, sample.value});
  }
  void OnHelp(std::string_view metric, std::string_view help) override {
    Family(metric).help = help;
  }
  void OnType(std::string_view metric, std::string_view type) override {
    Family(metric).type = MetadataType(type);
  }
  void OnUnit(std::string_view metric, std::string_view unit) override {
    Family(metric).unit = unit;
  }
  void OnError(size_t, std::string_view message) override { Malformed(message); }

  size_t scraped() const { return scraped_; }
  size_t added() const { return added_; }

 private:
  void Malformed(std::string_view message) {
    if (outcome_->malformed_lines++ == 0) outcome_->first_error = message;
  }
  MetricFamilyInfo& Family(std::string_view metric) {
    std::vector<MetricFamilyInfo>& metadata = outcome_->unit.metadata;
    // HELP, TYPE and UNIT of a family come together: the last one is nearly always the one.
    for (auto it = metadata.rbegin(); it != metadata.rend(); ++it) {
      if (it->metric == metric) return *it;
    }
    MetricFamilyInfo& info = metadata.emplace_back();
    info.metric = metric;
    info.type = "unknown";
    return info;
  }

  TargetSamples* target_;
  int64_t start_ms_;
  Outcome* outcome_;
  size_t scraped_ = 0;
  size_t added_ = 0;
};

TargetSamples::TargetSamples(std::vector<Label> target_labels, bool honor_labels,
                             bool honor_timestamps)
    : target_labels_(std::move(target_labels)),
      honor_labels_(honor_labels),
      honor_timestamps_(honor_timestamps) {}

absl::StatusOr<LabelSet> TargetSamples::SeriesLabels(
    const exposition::ExpositionSample& sample) const {
  std::vector<Label> labels;
  labels.reserve(sample.labels.size() + target_labels_.size() + 1);
  for (const LabelView& l : sample.labels)
    labels.push_back({std::string(l.name), std::string(l.value)});
  size_t exposed = labels.size();
  std::vector<Label> conflicting;
  for (const Label& t : target_labels_) {
    auto same = std::find_if(labels.begin(), labels.begin() + static_cast<ptrdiff_t>(exposed),
                             [&](const Label& l) { return l.name == t.name; });
    if (same == labels.begin() + static_cast<ptrdiff_t>(exposed)) {
      labels.push_back(t);
    } else if (!honor_labels_) {
      // Prometheus: the target's label wins, the exposed one is kept as exported_<name>.
      if (!same->value.empty()) conflicting.push_back(*same);
      same->value = t.value;
    }
  }
  // Shortest names first, each prefixed until it is free (Prometheus's
  // resolveConflictingExposedLabels).
  std::stable_sort(conflicting.begin(), conflicting.end(),
                   [](const Label& a, const Label& b) { return a.name.size() < b.name.size(); });
  for (size_t i = 0; i < conflicting.size(); ++i) {
    std::string name = conflicting[i].name;
    do {
      name = "exported_" + name;
    } while (HasLabel(labels, name) || HasLabel(target_labels_, name) ||
             std::any_of(conflicting.begin(), conflicting.begin() + static_cast<ptrdiff_t>(i),
                         [&](const Label& l) { return l.name == name; }));
    conflicting[i].name = std::move(name);
  }
  labels.insert(labels.end(), conflicting.begin(), conflicting.end());
  labels.push_back({"__name__", std::string(sample.name)});
  return LabelSet::Make(std::move(labels));
}

TargetSamples::Outcome TargetSamples::Scraped(std::string_view body,
                                              exposition::ExpositionFormat format, int64_t start_ms,
                                              double duration_seconds) {
  ++scrape_;
  Outcome outcome;
  // A target's series rarely change: room for the last scrape's, its stale markers and the
  // report series, so the vector is not regrown sample after sample.
  outcome.unit.samples.reserve(series_.size() + 8);
  Handler handler(this, start_ms, &outcome);
  parser_.Parse(body, format, &handler);
  MarkStale(start_ms, &outcome.unit);
  Report(start_ms, true, duration_seconds, handler.scraped(), handler.added(), &outcome.unit);
  return outcome;
}

MetricUnit TargetSamples::Failed(int64_t start_ms, double duration_seconds) {
  ++scrape_;
  MetricUnit unit;
  MarkStale(start_ms, &unit);
  Report(start_ms, false, duration_seconds, 0, 0, &unit);
  return unit;
}

void TargetSamples::MarkStale(int64_t ts_ms, MetricUnit* unit) {
  for (auto it = series_.begin(); it != series_.end();) {
    if (it->second.scrape == scrape_) {
      ++it;
      continue;
    }
    if (!it->second.own_timestamp) {
      unit->samples.push_back(MetricSample{std::move(it->second.labels), ts_ms, StaleNaN()});
    }
    series_.erase(it++);
  }
}

void TargetSamples::Report(int64_t ts_ms, bool up, double duration_seconds, size_t scraped,
                           size_t added, MetricUnit* unit) const {
  auto add = [&](const char* name, double value) {
    std::vector<Label> labels = target_labels_;
    labels.push_back({"__name__", name});
    absl::StatusOr<LabelSet> set = LabelSet::Make(std::move(labels));
    if (set.ok()) unit->samples.push_back(MetricSample{*std::move(set), ts_ms, value});
  };
  add("up", up ? 1 : 0);
  add("scrape_duration_seconds", duration_seconds);
  add("scrape_samples_scraped", static_cast<double>(scraped));
  add("scrape_samples_post_metric_relabeling", static_cast<double>(scraped));
  add("scrape_series_added", static_cast<double>(added));
}

}  // namespace vigie::collector
