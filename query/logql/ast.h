// The parsed form of a LogQL query, as the engine evaluates it. Parse() in parser.h builds it.
//
// Thread safety: value types; after construction, const access from several threads is safe
// (matchers and filters are compiled and immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/line_filter.h"
#include "query/logql/matcher.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {

// {service="api", level=~"error|warn"} |= "timeout" | json | status >= 500
struct LogSelector {
  // At least one matcher rejects "" (Loki's rule, so a query cannot select every stream); a
  // stream is selected when all of them match its labels.
  std::vector<LabelMatcher> matchers;
  // The line filters that run on the stored line, before the pipeline: those written before any
  // stage that rewrites the line (see pipeline.h). The engines search blocks for its required
  // literal with the n-gram filter and memmem.
  LineFilter filter;
  // The stages after the selector, in written order; empty when the query has line filters only
  // (then `filter` holds them all and each line keeps its stream's labels).
  Pipeline pipeline;
};

enum class RangeOp { kCountOverTime, kRate, kBytesOverTime, kBytesRate };
enum class VectorOp { kSum, kCount, kMax, kMin, kAvg };

// The function names of a query: "count_over_time", "sum", ...
std::string_view RangeOpName(RangeOp op);
std::string_view VectorOpName(VectorOp op);
std::optional<RangeOp> RangeOpFromName(std::string_view name);
std::optional<VectorOp> VectorOpFromName(std::string_view name);

// A metric query over logs. Owns its sub-expressions; movable, not copyable.
struct MetricExpr {
  enum class Kind { kRange, kVectorAggregation };
  Kind kind = Kind::kRange;

  // kRange: range_op(selector [range_ns] offset offset_ns), e.g. rate({a="b"} |= "x" [5m]).
  RangeOp range_op = RangeOp::kCountOverTime;
  LogSelector selector;
  int64_t range_ns = 0;   // > 0.
  int64_t offset_ns = 0;  // >= 0: the window ends offset_ns before the evaluation time.

  // kVectorAggregation: vector_op by (grouping) (inner), or without (grouping). With
  // without=false and no grouping, everything is aggregated into one series.
  VectorOp vector_op = VectorOp::kSum;
  std::vector<std::string> grouping;
  bool without = false;
  std::unique_ptr<MetricExpr> inner;
};

// A whole query: exactly one of the two is set.
struct Query {
  std::optional<LogSelector> log;
  std::unique_ptr<MetricExpr> metric;
  bool is_metric() const { return metric != nullptr; }
};

// The canonical text of a query, which Parse() reads back to the same structure: matchers and
// filters in their written order, strings double-quoted, grouping before the parenthesis,
// durations in their shortest form: sum by (a) (count_over_time({a="x"} |= "y"[5m] offset 1h)).
std::string ToString(const LogSelector& selector);
std::string ToString(const MetricExpr& expr);
std::string ToString(const Query& query);

}  // namespace vigie::logql
