#include "query/logql/log_range_source.h"

#include <map>
#include <optional>

#include "common/strings.h"
#include "query/logql/labels_builder.h"
#include "query/logql/log_range_values.h"
#include "query/logql/selector.h"

namespace vigie::logql {
namespace {

constexpr std::string_view kSampleExtractionErr = "SampleExtractionErr";

LabelSet WithLabels(const LabelSet& labels, std::vector<Label> extra) {
  for (const Label& l : labels.labels()) {
    bool replaced = false;
    for (const Label& e : extra) replaced = replaced || e.name == l.name;
    if (!replaced) extra.push_back(l);
  }
  // Names come from a valid set and from constants: Make cannot fail.
  absl::StatusOr<LabelSet> made = LabelSet::Make(std::move(extra));
  return made.ok() ? *std::move(made) : labels;
}

bool MatchesAll(const std::vector<LabelMatcher>& matchers, const LabelSet& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

// What a line with given labels gives: the labels of the series its sample joins (nullopt:
// none, as when the unwrapped label is missing or a filter after unwrap drops it) and, with an
// unwrap, its value.
struct StreamSamples {
  std::optional<LabelSet> labels;
  double value = 1;
};

// Loki's sample extraction for a line whose labels (after the pipeline) are `line_labels`.
StreamSamples SamplesOf(const RangeAggregation& agg, const LabelSet& line_labels) {
  StreamSamples out;
  LabelSet labels = line_labels;
  bool failed = false;
  if (agg.unwrap) {
    std::string_view text = line_labels.Get(agg.unwrap->label);
    // Loki skips lines without the label (grafana/loki#6713).
    if (text.empty()) return out;
    absl::StatusOr<double> value = ConvertUnwrapped(agg.unwrap->conversion, text);
    if (value.ok()) {
      out.value = *value;
    } else {
      failed = true;
      out.value = 0;
      labels = WithLabels(
          labels, {{std::string(kErrorLabel), std::string(kSampleExtractionErr)},
                   {std::string(kErrorDetailsLabel), std::string(value.status().message())}});
    }
    if (!MatchesAll(agg.unwrap->filters, labels)) return out;
  }
  // A sample in error keeps all its labels, so that the error is seen (as in Loki).
  if (failed) {
    out.labels = std::move(labels);
  } else if (agg.grouped) {
    std::vector<std::string> names = agg.grouping;
    if (agg.without && agg.unwrap) names.push_back(agg.unwrap->label);
    out.labels = labels.Project(names, /*keep=*/!agg.without);
  } else {
    out.labels = agg.unwrap ? labels.Project({agg.unwrap->label}, /*keep=*/false) : labels;
  }
  return out;
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
  auto series_of = [&](const StreamSamples& from) -> std::optional<size_t> {
    if (!from.labels) return std::nullopt;
    auto [it, inserted] = index.try_emplace(*from.labels, series.size());
    if (inserted) {
      series.push_back({*from.labels, {}});
      samples.emplace_back();
    }
    return it->second;
  };
  // Lines that keep their stream's labels (no pipeline stage changed them) share its series.
  std::vector<std::optional<size_t>> stream_series(streams.size());
  std::vector<double> stream_value(streams.size(), 1);
  for (size_t s = 0; s < streams.size(); ++s) {
    StreamSamples from = SamplesOf(*agg, stream_labels[s]);
    stream_value[s] = from.value;
    stream_series[s] = series_of(from);
  }
  const bool bytes = agg->op == RangeOp::kBytesOverTime || agg->op == RangeOp::kBytesRate;
  auto reader = querier_->NewReader();
  ScanStats scanned;
  ScanOptions options{scan, /*forward=*/true, scan_threads_, stop_};
  options.pipeline = &agg->selector.pipeline;
  options.stream_labels = &stream_labels;
  if (agg->labels_unused) {
    // Of the labels, only what the unwrap reads (the stages add their own needs).
    options.required = LabelNeeds::Only({});
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
          StreamSamples from = SamplesOf(*agg, *l.labels);
          k = series_of(from);
          value = from.value;
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
