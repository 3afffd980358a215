#include "query/logql/log_range_source.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "common/strings.h"
#include "query/logql/labels_builder.h"
#include "query/logql/log_range_values.h"
#include "query/logql/selector.h"

namespace vigie::logql {
namespace {

constexpr std::string_view kSampleExtractionErr = "SampleExtractionErr";

// Loki's sample extraction for a line whose labels after the pipeline are in `labels`. Returns
// false when the line gives no sample: the unwrapped label is missing (Loki skips such lines,
// grafana/loki#6713) or a matcher after the unwrap drops the line. Otherwise sets *value (1
// without an unwrap) and leaves in `labels` those of the series the sample joins.
bool ExtractSample(const RangeAggregation& agg, LabelsBuilder& labels, double* value) {
  *value = 1;
  bool failed = false;
  if (agg.unwrap) {
    std::optional<std::string_view> text = labels.Get(agg.unwrap->label);
    if (!text || text->empty()) return false;
    absl::StatusOr<double> converted = ConvertUnwrapped(agg.unwrap->conversion, *text);
    if (converted.ok()) {
      *value = *converted;
    } else {
      failed = true;
      *value = 0;
      const absl::string_view details = converted.status().message();
      labels.SetError(kSampleExtractionErr, std::string_view(details.data(), details.size()));
    }
    for (const LabelMatcher& m : agg.unwrap->filters) {
      if (!m.Matches(labels.Get(m.name()).value_or(""))) return false;
    }
  }
  // A sample in error keeps all its labels, so that the error is seen (as in Loki).
  if (failed) return true;
  if (!agg.grouped) {
    if (agg.unwrap) labels.Delete(agg.unwrap->label);
    return true;
  }
  // by (...) keeps the names listed, without (...) drops them (and the unwrapped label).
  const bool keep = !agg.without;
  auto listed = [&](std::string_view name) {
    return std::find(agg.grouping.begin(), agg.grouping.end(), name) != agg.grouping.end() ||
           (agg.without && agg.unwrap && name == agg.unwrap->label);
  };
  // Views of names in the stream's labels or the builder's arena: Delete moves neither.
  absl::InlinedVector<std::string_view, 16> doomed;
  labels.ForEach([&](std::string_view name, std::string_view) {
    if (listed(name) != keep) doomed.push_back(name);
  });
  for (std::string_view name : {kErrorLabel, kErrorDetailsLabel}) {
    if (labels.Get(name) && listed(name) != keep) doomed.push_back(name);
  }
  for (std::string_view name : doomed) labels.Delete(name);
  return true;
}

// absent_over_time's labels: those of the selector's equality matchers, unless a label is
// matched twice (Prometheus's and Loki's rule).
LabelSet AbsentLabels(const LogSelector& selector) {
  std::map<std::string, std::optional<std::string>> by_name;
  for (const LabelMatcher& m : selector.matchers) {
    auto [it, inserted] = by_name.try_emplace(m.name());
    if (inserted && m.type() == MatchType::kEqual) {
      it->second = m.value();
    } else {
      it->second.reset();
    }
  }
  std::vector<Label> labels;
  for (auto& [name, value] : by_name) {
    if (value) labels.push_back({name, *value});
  }
  absl::StatusOr<LabelSet> made = LabelSet::Make(std::move(labels));
  return made.ok() ? *std::move(made) : LabelSet();
}

absl::Status PipelineError(const LabelSet& labels) {
  return absl::InvalidArgumentError(
      StrCat("pipeline error: '", labels.Get(kErrorLabel), "' for series: '", labels.ToString(),
             "'. Use a label filter to intentionally skip this error (e.g. | __error__!=\"",
             labels.Get(kErrorLabel),
             "\"); to skip all potential errors, match empty errors (e.g. | "
             "__error__=\"\"); the label filter can also be specified after unwrap (e.g. | unwrap "
             "latency | __error__=\"\")"));
}

}  // namespace

absl::Status CheckSeriesCount(size_t n, const Limits& limits) {
  if (n <= limits.max_series_per_query) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("the query would return ", n, " series, above the maximum of ",
             limits.max_series_per_query, ": aggregate it (sum by (...)) or narrow the selector"));
}

QueryStats LogRangeSource::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

absl::StatusOr<promql::LeafData> LogRangeSource::Select(const promql::Leaf& leaf,
                                                        const promql::StepRange& at,
                                                        int64_t /*lookback_ms*/,
                                                        promql::QueryStats* stats) {
  const auto* agg = dynamic_cast<const RangeAggregation*>(&leaf);
  if (!agg) return absl::InternalError("a LogQL query holds a leaf that is no range aggregation");
  constexpr int64_t kNanosPerMilli = 1'000'000;
  const int64_t first_end = at.start_ms * kNanosPerMilli, last_end = at.end_ms * kNanosPerMilli;
  // Windows are (t - range, t]; the half-open scan range covers all of them.
  store::TimeRange scan{first_end - agg->range_ns + 1, last_end + 1};
  std::vector<store::StreamId> streams = SelectStreams(*querier_, agg->selector, scan);

  std::vector<LabelSet> stream_labels;
  stream_labels.reserve(streams.size());
  for (store::StreamId id : streams) {
    stream_labels.push_back(querier_->StreamLabels(id).value_or(LabelSet()));
  }
  // The series the samples feed, and their samples in time order.
  std::map<LabelSet, size_t> index;
  std::vector<promql::Series> series;
  std::vector<std::vector<LogSample>> samples;
  auto series_of = [&](const LabelSet& labels) {
    auto [it, inserted] = index.try_emplace(labels, series.size());
    if (inserted) {
      series.push_back({labels, {}});
      samples.emplace_back();
    }
    return it->second;
  };
  // Lines that keep their stream's labels (no pipeline stage changed them) share its series.
  std::vector<std::optional<size_t>> stream_series(streams.size());
  std::vector<double> stream_value(streams.size(), 1);
  for (size_t s = 0; s < streams.size(); ++s) {
    LabelsBuilder labels(&stream_labels[s]);
    if (ExtractSample(*agg, labels, &stream_value[s]))
      stream_series[s] = series_of(labels.Labels());
  }
  // Lines through the pipeline: their samples are extracted on the scan's threads.
  const SampleFn sample = [agg](LabelsBuilder& labels, double* value) {
    return ExtractSample(*agg, labels, value);
  };
  const bool bytes = agg->op == RangeOp::kBytesOverTime || agg->op == RangeOp::kBytesRate;
  auto reader = querier_->NewReader();
  ScanStats scanned;
  ScanOptions options{scan, /*forward=*/true, scan_threads_, stop_};
  options.pipeline = &agg->selector.pipeline;
  options.stream_labels = &stream_labels;
  options.sample = &sample;
  if (agg->labels_unused || agg->labels_read) {
    // Of the labels, only the grouping's and what the unwrap reads (the stages add their own
    // needs); with a grouping, every value is still decoded, as in a full parse.
    options.required = LabelNeeds::Only(agg->labels_read.value_or(std::vector<std::string>()));
    options.required.validate = !agg->labels_unused;
    if (agg->unwrap) {
      options.required.Add(agg->unwrap->label);
      for (const LabelMatcher& m : agg->unwrap->filters) options.required.Add(m.name());
    }
  }
  absl::Status status = ScanLines(
      *reader, streams, agg->selector.filter, options,
      [&](const ScannedLine& l) {
        std::optional<size_t> k = stream_series[l.stream_index];
        double value = stream_value[l.stream_index];
        if (l.labels) {
          k = series_of(*l.labels);
          value = l.value;
        }
        if (k) samples[*k].push_back({l.ts, bytes ? static_cast<double>(l.line.size()) : value});
        return true;
      },
      &scanned);
  {
    std::lock_guard lock(mu_);
    stats_.streams += streams.size();
    stats_.blocks += scanned.blocks;
    stats_.blocks_skipped += scanned.blocks_skipped;
    stats_.entries_scanned += scanned.entries;
    stats_.bytes_scanned += scanned.bytes;
  }
  if (!status.ok()) return status;

  promql::LeafData out;
  out.per_step = true;
  const size_t steps = at.steps();
  auto step_end = [&](size_t i) { return at.start_ms + static_cast<int64_t>(i) * at.step_ms; };
  // Calls f(step, window) for each step whose window (t - range, t] holds samples of `in`.
  auto for_each_window = [&](const std::vector<LogSample>& in, auto&& f) {
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < steps; ++i) {
      const int64_t end = step_end(i) * kNanosPerMilli;
      while (hi < in.size() && in[hi].ts_ns <= end) ++hi;
      while (lo < hi && in[lo].ts_ns <= end - agg->range_ns) ++lo;
      if (hi > lo) f(i, std::span<const LogSample>(in).subspan(lo, hi - lo));
    }
  };
  uint64_t loaded = 0;
  for (const std::vector<LogSample>& in : samples) loaded += in.size();
  if (agg->op == RangeOp::kAbsentOverTime) {
    // 1 at the steps where no series has a sample in the window.
    std::vector<bool> present(steps, false);
    for (const std::vector<LogSample>& in : samples) {
      for_each_window(in, [&](size_t i, std::span<const LogSample>) { present[i] = true; });
    }
    promql::Series absent{AbsentLabels(agg->selector), {}};
    for (size_t i = 0; i < steps; ++i) {
      if (!present[i]) absent.points.push_back({step_end(i), 1});
    }
    if (!absent.points.empty()) out.series.push_back(std::move(absent));
  } else {
    for (size_t k = 0; k < series.size(); ++k) {
      for_each_window(samples[k], [&](size_t i, std::span<const LogSample> window) {
        series[k].points.push_back({step_end(i), RangeValue(*agg, window)});
      });
      if (series[k].points.empty()) continue;
      if (!series[k].labels.Get(kErrorLabel).empty()) return PipelineError(series[k].labels);
      out.series.push_back(std::move(series[k]));
    }
  }
  if (absl::Status s = CheckSeriesCount(out.series.size(), limits_); !s.ok()) return s;
  stats->series_selected += out.series.size();
  stats->samples_loaded += loaded;
  return out;
}

}  // namespace vigie::logql
