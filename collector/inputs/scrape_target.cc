#include "collector/inputs/scrape_target.h"

#include <algorithm>
#include <array>
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

// The report series of every scrape, in the order Report() gives their values.
constexpr std::array<const char*, 5> kReportNames = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added"};

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
    auto [text, series] = target_->Find(sample.series);
    if (!series) {
      absl::StatusOr<LabelSet> labels = target_->SeriesLabels(sample);
      if (!labels.ok()) {
        Malformed(StrCat("series ", sample.series, ": ", labels.status().message()));
        return;
      }
      auto it = target_->series_.try_emplace(std::string(sample.series)).first;
      it->second.ref = MakeWireLabels(*std::move(labels));
      text = it->first;
      series = &it->second;
      ++added_;
    } else if (series->scrape == target_->scrape_) {
      return;  // The same series twice in one scrape: Prometheus keeps the first.
    }
    series->scrape = target_->scrape_;
    series->position = target_->order_.size();
    target_->order_.emplace_back(text, series);
    bool own = target_->honor_timestamps_ && sample.timestamp_ms.has_value();
    series->own_timestamp = own;
    outcome_->unit.samples.push_back(
        MetricSample{series->ref, own ? *sample.timestamp_ms : start_ms_, sample.value});
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
      honor_timestamps_(honor_timestamps) {
  for (size_t i = 0; i < kReportNames.size(); ++i) {
    std::vector<Label> labels = target_labels_;
    labels.push_back({"__name__", kReportNames[i]});
    report_series_[i] = MakeWireLabels(LabelSet::Make(std::move(labels)).value());
  }
}

TargetSamples::Seen TargetSamples::Find(std::string_view text) {
  if (cursor_ < last_order_.size() && last_order_[cursor_].first == text) {
    return last_order_[cursor_++];
  }
  auto it = series_.find(absl::string_view(text.data(), text.size()));
  if (it == series_.end()) return {};
  Series& series = it->second;
  // Elsewhere in the last scrape: the target moved, added or dropped series; go on from there.
  if (series.scrape + 1 == scrape_) cursor_ = series.position + 1;
  return {std::string_view(it->first.data(), it->first.size()), &series};
}

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
  outcome.unit.samples.reserve(series_.size() + kReportNames.size());
  order_.reserve(series_.size());
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
  // series_ holds the last scrape's series and the current one's, which are in order_.
  for (const auto& [text, series] : last_order_) {
    if (series->scrape == scrape_) continue;
    if (!series->own_timestamp) {
      unit->samples.push_back(MetricSample{std::move(series->ref), ts_ms, StaleNaN()});
    }
    series_.erase(absl::string_view(text.data(), text.size()));
  }
  last_order_.swap(order_);
  order_.clear();
  cursor_ = 0;
}

void TargetSamples::Report(int64_t ts_ms, bool up, double duration_seconds, size_t scraped,
                           size_t added, MetricUnit* unit) const {
  const std::array<double, kReportNames.size()> values = {
      up ? 1.0 : 0.0, duration_seconds, static_cast<double>(scraped), static_cast<double>(scraped),
      static_cast<double>(added)};
  for (size_t i = 0; i < values.size(); ++i) {
    unit->samples.push_back(MetricSample{report_series_[i], ts_ms, values[i]});
  }
}

}  // namespace vigie::collector
