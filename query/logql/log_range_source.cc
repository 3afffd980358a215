#include "query/logql/log_range_source.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/logql/labels_builder.h"
#include "query/logql/line_counts.h"
#include "query/logql/log_range_values.h"
#include "query/logql/selector.h"

namespace vigie::logql {
namespace {

constexpr std::string_view kSampleExtractionErr = "SampleExtractionErr";

// With `by (...)`, the labels of each stream that the grouping keeps: the series of every line
// whose pipeline changed none of the labels listed (all of them, when the grouping names only
// stream labels), which then joins it without building its labels (LabelsBuilder::ReplaceWith).
class StreamProjections {
 public:
  StreamProjections(const RangeAggregation& agg, const std::vector<LabelSet>& streams)
      : streams_(streams) {
    if (!agg.grouped || agg.without) return;
    for (const LabelSet& s : streams) projections_.push_back(s.Project(agg.grouping, true));
  }
  bool empty() const { return projections_.empty(); }
  // The projection of `stream`, which is one of `streams`.
  const LabelSet* Of(const LabelSet& stream) const {
    return &projections_[&stream - streams_.data()];
  }
  // The stream whose projection `labels` is, or -1 when it is none.
  ptrdiff_t StreamOf(const LabelSet* labels) const {
    if (projections_.empty() || labels < projections_.data() ||
        labels >= projections_.data() + projections_.size()) {
      return -1;
    }
    return labels - projections_.data();
  }

 private:
  const std::vector<LabelSet>& streams_;
  std::vector<LabelSet> projections_;
};

// Loki's sample extraction for a line whose labels after the pipeline are in `labels`. Returns
// false when the line gives no sample: the unwrapped label is missing (Loki skips such lines,
// grafana/loki#6713) or a matcher after the unwrap drops the line. Otherwise sets *value (1
// without an unwrap) and leaves in `labels` those of the series the sample joins.
// `projections`: null, or those of the streams of `labels`.
bool ExtractSample(const RangeAggregation& agg, LabelsBuilder& labels, double* value,
                   const StreamProjections* projections = nullptr) {
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
  // A sample in error (the conversion's or a stage's) keeps all its labels, grouping or not, so
  // that the error is seen (Loki's LabelsBuilder.GroupedLabels).
  if (failed || labels.HasError()) return true;
  if (!agg.grouped) {
    if (agg.unwrap) labels.Delete(agg.unwrap->label);
    return true;
  }
  // by (...) keeps the names listed, without (...) drops them (and the unwrapped label).
  const bool keep = !agg.without;
  if (projections != nullptr && !projections->empty() &&
      std::none_of(agg.grouping.begin(), agg.grouping.end(),
                   [&](const std::string& name) { return labels.Changed(name); })) {
    labels.ReplaceWith(projections->Of(labels.stream()));
    return true;
  }
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

// Whether the value of `agg` over a window depends only on how many lines it holds and their
// bytes: then the lines are counted per bucket on the scan's workers (line_counts.h) and never
// held. Those values are whole numbers, exact in any order of summation.
bool CountsSuffice(const RangeAggregation& agg) {
  switch (agg.op) {
    case RangeOp::kCountOverTime:
    case RangeOp::kRate:
    case RangeOp::kBytesOverTime:
    case RangeOp::kBytesRate:
    case RangeOp::kAbsentOverTime:
      return !agg.unwrap;
    default:
      return false;
  }
}

// The value of a window of `lines` lines of `bytes` bytes for an aggregation of which
// CountsSuffice: what RangeValue gives for the same lines.
double CountedValue(const RangeAggregation& agg, uint64_t lines, uint64_t bytes) {
  const double range_s = static_cast<double>(agg.range_ns) / kNanosPerSecond;
  switch (agg.op) {
    case RangeOp::kCountOverTime:
      return static_cast<double>(lines);
    case RangeOp::kRate:
      return static_cast<double>(lines) / range_s;
    case RangeOp::kBytesOverTime:
      return static_cast<double>(bytes);
    case RangeOp::kBytesRate:
      return static_cast<double>(bytes) / range_s;
    default:
      return 1;
  }
}

// The step ends of `at`, in nanoseconds.
std::vector<int64_t> StepEnds(const promql::StepRange& at) {
  std::vector<int64_t> ends(at.steps());
  for (size_t i = 0; i < ends.size(); ++i) {
    ends[i] = (at.start_ms + static_cast<int64_t>(i) * at.step_ms) * kNanosPerMilli;
  }
  return ends;
}

// absent_over_time's series: 1 at the steps where `present` is false; none when it is true at
// every step.
void AddAbsent(const RangeAggregation& agg, const promql::StepRange& at,
               const std::vector<bool>& present, promql::LeafData* out) {
  promql::Series absent{AbsentLabels(agg.selector), {}};
  for (size_t i = 0; i < present.size(); ++i) {
    if (!present[i])
      absent.points.push_back({at.start_ms + static_cast<int64_t>(i) * at.step_ms, 1});
  }
  if (!absent.points.empty()) out->series.push_back(std::move(absent));
}

// The windows of an aggregation of which CountsSuffice: the lines are counted per series in
// buckets whose bounds are every window's start and end, so each window is a run of buckets.
absl::Status CountedWindows(const store::LogReader& reader,
                            const std::vector<store::StreamId>& streams,
                            const RangeAggregation& agg, const ScanOptions& options,
                            const promql::StepRange& at,
                            const std::vector<std::optional<LabelSet>>& stream_series,
                            promql::LeafData* out, uint64_t* loaded, ScanStats* scanned) {
  const std::vector<int64_t> ends = StepEnds(at);
  std::vector<int64_t> bounds;
  bounds.reserve(ends.size() * 2);
  for (int64_t end : ends) bounds.insert(bounds.end(), {end - agg.range_ns, end});
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  const TimeBuckets buckets(bounds);
  std::vector<CountedSeries> counted;
  absl::Status status = CountLines(reader, streams, agg.selector.filter, options, buckets,
                                   stream_series, &counted, scanned);
  if (!status.ok()) return status;
  // Window i is the buckets [first[i], last[i]).
  std::vector<size_t> first(ends.size()), last(ends.size());
  for (size_t i = 0; i < ends.size(); ++i) {
    first[i] =
        std::lower_bound(bounds.begin(), bounds.end(), ends[i] - agg.range_ns) - bounds.begin();
    last[i] = std::lower_bound(bounds.begin(), bounds.end(), ends[i]) - bounds.begin();
  }
  std::vector<bool> present(ends.size(), false);
  std::vector<BucketCount> prefix(buckets.size() + 1);
  for (CountedSeries& series : counted) {
    for (size_t j = 0; j < buckets.size(); ++j) {
      prefix[j + 1] = {prefix[j].lines + series.buckets[j].lines,
                       prefix[j].bytes + series.buckets[j].bytes};
    }
    *loaded += prefix.back().lines;
    promql::Series made{std::move(series.labels), {}};
    for (size_t i = 0; i < ends.size(); ++i) {
      const uint64_t lines = prefix[last[i]].lines - prefix[first[i]].lines;
      if (lines == 0) continue;
      present[i] = true;
      made.points.push_back(
          {ends[i] / kNanosPerMilli,
           CountedValue(agg, lines, prefix[last[i]].bytes - prefix[first[i]].bytes)});
    }
    if (!made.points.empty() && agg.op != RangeOp::kAbsentOverTime) {
      out->series.push_back(std::move(made));
    }
  }
  if (agg.op == RangeOp::kAbsentOverTime) AddAbsent(agg, at, present, out);
  return absl::OkStatus();
}

// The windows of any other aggregation: every sample of every series is held, in time order.
absl::Status SampledWindows(const store::LogReader& reader,
                            const std::vector<store::StreamId>& streams,
                            const RangeAggregation& agg, const ScanOptions& options,
                            const promql::StepRange& at,
                            const std::vector<std::optional<LabelSet>>& stream_series,
                            const std::vector<double>& stream_value,
                            const StreamProjections& projections, promql::LeafData* out,
                            uint64_t* loaded, ScanStats* scanned) {
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
  std::vector<std::optional<size_t>> stream_index(streams.size());
  for (size_t s = 0; s < streams.size(); ++s) {
    if (stream_series[s]) stream_index[s] = series_of(*stream_series[s]);
  }
  // The series of each stream's projection, once looked up.
  std::vector<std::optional<size_t>> projection_index(streams.size());
  const bool bytes = agg.op == RangeOp::kBytesOverTime || agg.op == RangeOp::kBytesRate;
  absl::Status status = ScanLines(
      reader, streams, agg.selector.filter, options,
      [&](const ScannedLine& l) {
        std::optional<size_t> k = stream_index[l.stream_index];
        double value = stream_value[l.stream_index];
        if (l.labels) {
          const ptrdiff_t projected = projections.StreamOf(l.labels);
          if (projected < 0) {
            k = series_of(*l.labels);
          } else {
            std::optional<size_t>& known = projection_index[projected];
            if (!known) known = series_of(*l.labels);
            k = known;
          }
          value = l.value;
        }
        if (k) samples[*k].push_back({l.ts, bytes ? static_cast<double>(l.line.size()) : value});
        return true;
      },
      scanned);
  if (!status.ok()) return status;
  const std::vector<int64_t> ends = StepEnds(at);
  // Calls f(step, window) for each step whose window (t - range, t] holds samples of `in`.
  auto for_each_window = [&](const std::vector<LogSample>& in, auto&& f) {
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      while (hi < in.size() && in[hi].ts_ns <= ends[i]) ++hi;
      while (lo < hi && in[lo].ts_ns <= ends[i] - agg.range_ns) ++lo;
      if (hi > lo) f(i, std::span<const LogSample>(in).subspan(lo, hi - lo));
    }
  };
  for (const std::vector<LogSample>& in : samples) *loaded += in.size();
  if (agg.op == RangeOp::kAbsentOverTime) {
    std::vector<bool> present(ends.size(), false);
    for (const std::vector<LogSample>& in : samples) {
      for_each_window(in, [&](size_t i, std::span<const LogSample>) { present[i] = true; });
    }
    AddAbsent(agg, at, present, out);
    return absl::OkStatus();
  }
  for (size_t k = 0; k < series.size(); ++k) {
    for_each_window(samples[k], [&](size_t i, std::span<const LogSample> window) {
      series[k].points.push_back({ends[i] / kNanosPerMilli, RangeValue(agg, window)});
    });
    if (!series[k].points.empty()) out->series.push_back(std::move(series[k]));
  }
  return absl::OkStatus();
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
  const int64_t first_end = at.start_ms * kNanosPerMilli, last_end = at.end_ms * kNanosPerMilli;
  // Windows are (t - range, t]; the half-open scan range covers all of them.
  store::TimeRange scan{first_end - agg->range_ns + 1, last_end + 1};
  std::vector<store::StreamId> streams = SelectStreams(*querier_, agg->selector, scan);

  std::vector<LabelSet> stream_labels;
  stream_labels.reserve(streams.size());
  for (store::StreamId id : streams) {
    stream_labels.push_back(querier_->StreamLabels(id).value_or(LabelSet()));
  }
  // What lines that keep their stream's labels (no pipeline stage changed them) count towards:
  // the stream's series, or none.
  std::vector<std::optional<LabelSet>> stream_series(streams.size());
  std::vector<double> stream_value(streams.size(), 1);
  for (size_t s = 0; s < streams.size(); ++s) {
    LabelsBuilder labels(&stream_labels[s]);
    if (ExtractSample(*agg, labels, &stream_value[s])) stream_series[s] = labels.Labels();
  }
  // Lines through the pipeline: their samples are extracted on the scan's threads.
  const StreamProjections projections(*agg, stream_labels);
  const SampleFn sample = [agg, &projections](LabelsBuilder& labels, double* value) {
    return ExtractSample(*agg, labels, value, &projections);
  };
  auto reader = querier_->NewReader();
  ScanStats scanned;
  ScanOptions options{.range = scan, .forward = true, .threads = scan_threads_, .stop = stop_};
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
  promql::LeafData out;
  out.per_step = true;
  uint64_t loaded = 0;
  absl::Status status = CountsSuffice(*agg)
                            ? CountedWindows(*reader, streams, *agg, options, at, stream_series,
                                             &out, &loaded, &scanned)
                            : SampledWindows(*reader, streams, *agg, options, at, stream_series,
                                             stream_value, projections, &out, &loaded, &scanned);
  {
    std::lock_guard lock(mu_);
    stats_.streams += streams.size();
    AddScanStats(scanned, &stats_);
  }
  if (!status.ok()) return status;
  for (const promql::Series& s : out.series) {
    if (!s.labels.Get(kErrorLabel).empty()) return PipelineError(s.labels);
  }
  if (absl::Status s = CheckSeriesCount(out.series.size(), limits_); !s.ok()) return s;
  stats->series_selected += out.series.size();
  stats->samples_loaded += loaded;
  return out;
}

}  // namespace vigie::logql
