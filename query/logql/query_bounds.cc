#include "query/logql/query_bounds.h"

#include "common/strings.h"
#include "common/time.h"

namespace vigie::logql {

namespace {

absl::Status CheckSelector(const LogSelector& selector, const Limits& limits) {
  if (selector.matchers.size() > limits.max_matchers_per_query) {
    return absl::InvalidArgumentError(
        StrCat("the stream selector has ", selector.matchers.size(),
               " label matchers, more than the limit of ", limits.max_matchers_per_query,
               " (--max-matchers-per-query): merge matchers on the same label into one regex "
               "such as app=~\"a|b\""));
  }
  // Every scanned line goes through each filter and each stage that runs per line.
  size_t per_line = selector.filter.specs().size();
  for (const Pipeline::Step& step : selector.pipeline.steps()) per_line += !step.prefiltered;
  if (per_line > limits.max_line_filters_per_query) {
    return absl::InvalidArgumentError(
        StrCat("the query has ", per_line, " line filters and stages, more than the limit of ",
               limits.max_line_filters_per_query,
               " (--max-line-filters-per-query): merge them, e.g. several != into one "
               "!~ \"a|b|c\""));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(const MetricExpr& range, int64_t start_ns, int64_t end_ns,
                        const Limits& limits) {
  const std::string name(RangeOpName(range.range_op));
  const std::string written = StrCat("[", FormatDuration(range.range_ns), "]");
  if (range.range_ns > limits.max_query_range_ns) {
    return absl::InvalidArgumentError(StrCat(
        "the range ", written, " of ", name, " is longer than the limit of ",
        FormatDuration(limits.max_query_range_ns), " (--max-query-range): use a shorter range"));
  }
  // Both are at most max_query_range_ns here (the caller checked the time range), so the sum
  // cannot overflow.
  int64_t read_ns = (end_ns - start_ns) + range.range_ns;
  if (read_ns > limits.max_query_range_ns) {
    return absl::InvalidArgumentError(
        StrCat(name, " over the time range ", FormatDuration(end_ns - start_ns), " plus its range ",
               written, " reads ", FormatDuration(read_ns), " of logs, more than the limit of ",
               FormatDuration(limits.max_query_range_ns),
               " (--max-query-range): narrow the time range or the range, or raise the limit"));
  }
  int64_t earliest = 0;
  if (__builtin_sub_overflow(start_ns, range.offset_ns, &earliest) ||
      __builtin_sub_overflow(earliest, range.range_ns, &earliest)) {
    return absl::InvalidArgumentError(StrCat("offset ", FormatDuration(range.offset_ns), " of ",
                                             name, " reaches before any representable time"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckQueryBounds(const Query& query, int64_t start_ns, int64_t end_ns,
                              const Limits& limits) {
  if (!query.is_metric()) return CheckSelector(*query.log, limits);
  // Without binary operators a metric query holds exactly one range aggregation, at the bottom
  // of its vector aggregations.
  const MetricExpr* range = query.metric.get();
  while (range->kind == MetricExpr::Kind::kVectorAggregation) range = range->inner.get();
  if (absl::Status s = CheckSelector(range->selector, limits); !s.ok()) return s;
  return CheckRange(*range, start_ns, end_ns, limits);
}

}  // namespace vigie::logql
