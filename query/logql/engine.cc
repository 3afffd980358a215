#include "query/logql/engine.h"

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/block_scan.h"
#include "query/logql/match_window.h"
#include "query/logql/metric_eval.h"
#include "query/logql/query_bounds.h"
#include "query/logql/selector.h"

namespace vigie::logql {

namespace {

StopCondition StopFor(const QueryParams& params, int64_t timeout_ns) {
  return {timeout_ns <= 0 ? 0 : MonotonicNanos() + timeout_ns, params.cancelled};
}

}  // namespace

absl::Status Engine::CheckParams(const Query& query, QueryParams* params) const {
  if (params->end_ns < params->start_ns) {
    return absl::InvalidArgumentError("the end of the time range is before its start");
  }
  if (params->end_ns - params->start_ns > limits_.max_query_range_ns) {
    return absl::InvalidArgumentError(
        StrCat("the time range (", FormatDuration(params->end_ns - params->start_ns),
               ") is longer than the limit of ", FormatDuration(limits_.max_query_range_ns),
               ": narrow it, or raise --max-query-range"));
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
  if (params->step_ns <= 0) {
    params->step_ns = std::max<int64_t>(
        (params->end_ns - params->start_ns) / 250 / kNanosPerSecond * kNanosPerSecond,
        kNanosPerSecond);
  }
  int64_t points = (params->end_ns - params->start_ns) / params->step_ns + 1;
  if (points > limits_.max_points_per_series) {
    return absl::InvalidArgumentError(StrCat("the query would return ", points,
                                             " points per series, above the maximum of ",
                                             limits_.max_points_per_series, ": use a larger step"));
  }
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
  ScanOptions options{range,
                      params.forward,
                      scan_threads_,
                      StopFor(params, limits_.query_timeout_ns),
                      params.context_before,
                      params.context_after};
  options.pipeline = &selector.pipeline;
  options.stream_labels = &labels;
  absl::Status status = ScanLines(
      *reader, streams, selector.filter, options,
      [&window](const ScannedLine& l) { return window.Add(l); }, &scan);
  stats->truncated = window.truncated();
  stats->blocks += scan.blocks;
  stats->blocks_skipped += scan.blocks_skipped;
  stats->entries_scanned += scan.entries;
  stats->bytes_scanned += scan.bytes;
  return status;
}

absl::StatusOr<std::vector<Series>> Engine::RunMetricQuery(const MetricExpr& expr,
                                                           const QueryParams& params,
                                                           QueryStats* stats) const {
  MetricEvaluator evaluator(querier_, limits_, scan_threads_,
                            StopFor(params, limits_.query_timeout_ns));
  auto series = evaluator.Evaluate(expr, params.start_ns, params.end_ns, params.step_ns);
  *stats = evaluator.stats();
  return series;
}

}  // namespace vigie::logql
