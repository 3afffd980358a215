#include "query/logql/engine.h"

#include <limits>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/block_scan.h"
#include "query/logql/line_counts.h"
#include "query/logql/log_range_source.h"
#include "query/logql/match_window.h"
#include "query/logql/query_bounds.h"
#include "query/logql/selector.h"
#include "query/logql/time_bounds.h"

namespace vigie::logql {

namespace {

StopCondition StopFor(const QueryParams& params, int64_t timeout_ns) {
  return {timeout_ns <= 0 ? 0 : MonotonicNanos() + timeout_ns, params.cancelled};
}

}  // namespace

absl::Status Engine::CheckParams(const Query& query, QueryParams* params) const {
  if (absl::Status s = CheckTimeRange(params->start_ns, params->end_ns, limits_); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckQueryBounds(query, params->start_ns, params->end_ns, limits_);
      !s.ok()) {
    return s;
  }
  if (!query.is_metric()) {
    uint32_t context = std::max(params->context_before, params->context_after);
    if (context > kMaxContextLines) {
      return absl::InvalidArgumentError(
          StrCat(context, " context lines is above the maximum of ", kMaxContextLines));
    }
    if (params->all) params->streamed = true;
    if (params->limit == 0) params->limit = limits_.default_entries_per_query;
    if (!params->streamed && params->limit > limits_.max_entries_per_query) {
      return absl::InvalidArgumentError(StrCat("limit ", params->limit, " is above the maximum of ",
                                               limits_.max_entries_per_query,
                                               " entries per query (--max-entries-per-query)"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> step =
      ResolveStep(params->start_ns, params->end_ns, params->step_ns, limits_);
  if (!step.ok()) return step.status();
  params->step_ns = *step;
  return absl::OkStatus();
}

absl::Status Engine::RunLogQuery(const LogSelector& selector, const QueryParams& params,
                                 const EntrySink& sink, QueryStats* stats) const {
  return RunLogQuery(
      selector, params, [&sink](const LogLine& l) { return sink(l.labels, l.ts, l.line); }, stats);
}

absl::Status Engine::RunLogQuery(const LogSelector& selector, const QueryParams& params,
                                 const LogLineSink& sink, QueryStats* stats) const {
  store::TimeRange range{params.start_ns, params.end_ns};
  std::vector<store::StreamId> streams = SelectStreams(*querier_, selector, range);
  stats->streams += streams.size();
  std::vector<LabelSet> labels;
  for (store::StreamId id : streams)
    labels.push_back(querier_->StreamLabels(id).value_or(LabelSet()));
  auto reader = querier_->NewReader();
  MatchWindow window(
      streams.size(),
      {params.all     ? UINT64_MAX
       : params.limit ? params.limit
                      : limits_.default_entries_per_query,
       params.context_before, params.context_after, params.forward, params.find_more},
      [&](const ShownLine& l) {
        const LabelSet& stream_labels = labels[l.stream_index];
        return sink({l.labels ? *l.labels : stream_labels, l.stream_index, l.ts, l.line, l.context,
                     l.group_start, stream_labels});
      });
  ScanStats scan;
  ScanOptions options{.range = range,
                      .forward = params.forward,
                      .threads = scan_threads_,
                      .stop = StopFor(params, limits_.query_timeout_ns),
                      .context_before = params.context_before,
                      .context_after = params.context_after};
  options.pipeline = &selector.pipeline;
  options.stream_labels = &labels;
  options.labels_kind = LineLabelsKind::kLog;
  if (params.lines_only) {
    // No label is read but by the stages themselves. Every value is still decoded (validate), so
    // a parser reports the errors of a full extraction and the same lines pass.
    options.labels_kind = LineLabelsKind::kStream;
    options.required = LabelNeeds::Only({});
    options.required.validate = true;
  }
  absl::Status status = ScanLines(
      *reader, streams, selector.filter, options,
      [&window](const ScannedLine& l) { return window.Add(l); }, &scan);
  stats->truncated = window.truncated();
  AddScanStats(scan, stats);
  return status;
}

absl::StatusOr<std::vector<Series>> Engine::CountLogQuery(const LogSelector& selector,
                                                          const QueryParams& params,
                                                          QueryStats* stats) const {
  store::TimeRange range{params.start_ns, params.end_ns};
  std::vector<store::StreamId> streams = SelectStreams(*querier_, selector, range);
  stats->streams += streams.size();
  std::vector<LabelSet> labels;
  std::vector<std::optional<LabelSet>> stream_series;
  for (store::StreamId id : streams) {
    labels.push_back(querier_->StreamLabels(id).value_or(LabelSet()));
    stream_series.push_back(labels.back());
  }
  auto reader = querier_->NewReader();
  ScanOptions options{.range = range,
                      .forward = params.forward,
                      .threads = scan_threads_,
                      .stop = StopFor(params, limits_.query_timeout_ns)};
  options.pipeline = &selector.pipeline;
  options.stream_labels = &labels;
  options.labels_kind = LineLabelsKind::kLog;
  // One bucket: the whole range (the scan keeps lines outside it out).
  const TimeBuckets whole({params.start_ns, params.end_ns});
  std::vector<CountedSeries> counted;
  ScanStats scan;
  absl::Status status =
      CountLines(*reader, streams, selector.filter, options, whole, stream_series, &counted, &scan);
  AddScanStats(scan, stats);
  if (!status.ok()) return status;
  std::vector<Series> out;
  for (CountedSeries& c : counted) {
    out.push_back(
        {std::move(c.labels), {{params.end_ns, static_cast<double>(c.buckets.front().lines)}}});
  }
  return out;
}

absl::StatusOr<std::vector<Series>> Engine::RunMetricQuery(const MetricExpr& expr,
                                                           const QueryParams& params,
                                                           QueryStats* stats) const {
  constexpr int64_t kNanosPerMilli = 1'000'000;
  LogRangeSource source(querier_, limits_, scan_threads_,
                        StopFor(params, limits_.query_timeout_ns));
  promql::EvalOptions options;
  options.limits.max_series = limits_.max_series_per_query;
  options.limits.max_points_per_series = limits_.max_points_per_series;
  // The scans stop at the deadline (StopFor); the evaluator's own clock only needs a bound.
  options.limits.timeout_ms = limits_.query_timeout_ns > 0
                                  ? limits_.query_timeout_ns / kNanosPerMilli
                                  : std::numeric_limits<int32_t>::max();
  options.limits.threads = scan_threads_;
  options.cancelled = params.cancelled;
  const int64_t start_ms = params.start_ns / kNanosPerMilli;
  // Steps are evaluated at whole milliseconds and reported at the times asked for.
  auto time_of = [&](int64_t ts_ms) {
    return params.start_ns + (ts_ms - start_ms) * kNanosPerMilli;
  };
  std::vector<Series> out;
  if (params.start_ns == params.end_ns) {
    // An instant query keeps the order of topk, bottomk, sort and sort_desc.
    absl::StatusOr<promql::Value> value = promql::EvaluateInstant(expr, start_ms, &source, options);
    *stats = source.stats();
    if (!value.ok()) return value.status();
    if (value->type == promql::ValueType::kScalar) {
      out.push_back({LabelSet(), {{params.start_ns, value->scalar}}});
    }
    for (promql::InstantSample& s : value->vector) {
      out.push_back({std::move(s.labels), {{time_of(s.ts_ms), s.value}}});
    }
  } else {
    promql::StepRange range{start_ms, params.end_ns / kNanosPerMilli,
                            std::max<int64_t>(params.step_ns / kNanosPerMilli, 1)};
    absl::StatusOr<promql::Matrix> matrix = promql::EvaluateRange(expr, range, &source, options);
    *stats = source.stats();
    if (!matrix.ok()) return matrix.status();
    for (promql::Series& s : *matrix) {
      Series& series = out.emplace_back(Series{std::move(s.labels), {}});
      for (const store::Sample& p : s.points) series.points.push_back({time_of(p.ts_ms), p.value});
    }
  }
  if (absl::Status s = CheckSeriesCount(out.size(), limits_); !s.ok()) return s;
  return out;
}

}  // namespace vigie::logql
