// The parsed form of a LogQL query, as the engine evaluates it. Parse() in parser.h builds it.
//
// Thread safety: value types; after construction, const access from several threads is safe
// (matchers and filters are compiled and immutable).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/line_filter.h"
#include "query/logql/matcher.h"
#include "query/logql/pipeline.h"
#include "query/promql/ast.h"

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

// The log-range aggregations: the functions that turn the lines of a log query, or the values
// unwrapped from their labels, into one number per window.
enum class RangeOp {
  kCountOverTime,
  kRate,
  kBytesOverTime,
  kBytesRate,
  kAbsentOverTime,
  kSumOverTime,  // These take an unwrapped value (| unwrap label); rate and absent may.
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kFirstOverTime,
  kLastOverTime,
  kStdvarOverTime,
  kStddevOverTime,
  kQuantileOverTime,  // Takes a parameter: quantile_over_time(0.99, ...).
  kRateCounter,
};

// The function names of a query: "count_over_time", "rate", ...
std::string_view RangeOpName(RangeOp op);
std::optional<RangeOp> RangeOpFromName(std::string_view name);

// | unwrap latency, | unwrap duration(latency), | unwrap bytes(size): the label whose value
// becomes the sample of a line, and how its text reads as a number.
struct Unwrap {
  enum class Conversion {
    kNumber,    // A float, as Go's strconv.ParseFloat reads it.
    kDuration,  // duration() or duration_seconds(): a Go duration, in seconds.
    kBytes,     // bytes(): a size such as 5MB or 1.5KiB, in bytes.
  };
  std::string label;
  Conversion conversion = Conversion::kNumber;
  // The spelling written (duration and duration_seconds are the same conversion).
  std::string conversion_name;
  // | __error__="" and other label matchers after the unwrap: they see the sample's labels,
  // __error__ included, and drop the samples they reject.
  std::vector<LabelMatcher> filters;
};

// A log-range aggregation, rate({app="api"} |= "x" [5m] offset 1h): the leaf of a metric query.
// Operators, vector aggregations and functions above it are PromQL's (query/promql/ast.h), and
// so is the evaluator; log_range_source.h evaluates this leaf at each step from the log store.
class RangeAggregation final : public promql::Leaf {
 public:
  RangeOp op = RangeOp::kCountOverTime;
  LogSelector selector;
  std::optional<Unwrap> unwrap;
  int64_t range_ns = 0;  // > 0.
  // offset_ns >= 0: the window at evaluation time t is (t - offset - range, t - offset].
  promql::TimeModifiers modifiers;
  double parameter = 0;  // quantile_over_time's quantile.
  // by (...) or without (...) after the call, which Loki allows for avg, min, max, first,
  // last, stddev, stdvar and quantile: samples of the series whose grouped labels are equal
  // form one series before the function applies.
  bool grouped = false;
  bool without = false;
  std::vector<std::string> grouping;
  // Loki's "no labels" parser hint: the query reads none of the labels of this aggregation's
  // series (it is absent_over_time, or count_over_time, rate, bytes_over_time, bytes_rate or
  // sum_over_time right under a sum() without grouping). Its parsers then extract only what the
  // later stages and the unwrap read, and do not run at all when those read nothing, so a line
  // they could not parse gives no __error__ (as in Loki), and the scan is faster. Set by Parse();
  // not part of the text.
  bool labels_unused = false;
  // The grouping hint: the query reads only these labels of this aggregation's series, because
  // it groups by them itself (`avg_over_time(...) by (a)`), or it is count_over_time, rate,
  // bytes_over_time, bytes_rate or sum_over_time right under a `sum by (a)` (whose sums merging
  // its series does not change). Its parsers then extract only these and what the later stages
  // and the unwrap read, still decoding every value, so that the result and the errors are
  // those of a full parse. Unset: every label is read. Set by Parse(); not part of the text.
  std::optional<std::vector<std::string>> labels_read;

  promql::ValueType type() const override { return promql::ValueType::kVector; }
  const promql::TimeModifiers& time() const override { return modifiers; }
  // quantile_over_time(0.99, {a="b"} | unwrap duration(t) | __error__="" [5m] offset 1h) by (c)
  std::string ToString() const override;
};

// A metric query: PromQL's expression tree with RangeAggregation leaves.
using MetricExpr = promql::Expr;

// A whole query: exactly one of the two is set.
struct Query {
  std::optional<LogSelector> log;
  promql::ExprPtr metric;
  bool is_metric() const { return metric != nullptr; }
};

// Calls `visit` with every range aggregation of `expr`, left to right.
void ForEachRangeAggregation(const MetricExpr& expr,
                             const std::function<void(const RangeAggregation&)>& visit);
// Calls `visit` with `expr` and every expression under it, parents before children.
void ForEachExpr(MetricExpr& expr, const std::function<void(MetricExpr&)>& visit);

// The canonical text of a query, which Parse() reads back to the same structure: matchers and
// filters in their written order, strings double-quoted, PromQL's printer form for the
// operators (grouping before the parenthesis), durations in their shortest form:
// sum by (a) (count_over_time({a="x"} |= "y" [5m] offset 1h)) > 2.
std::string ToString(const LogSelector& selector);
std::string ToString(const MetricExpr& expr);
std::string ToString(const Query& query);

}  // namespace vigie::logql
