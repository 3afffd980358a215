#include "query/logql/ast.h"

#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time.h"
#include "query/logql/quote.h"
#include "query/promql/literals.h"

namespace vigie::logql {
namespace {

template <typename Op>
struct OpName {
  Op op;
  std::string_view name;
};

constexpr OpName<RangeOp> kRangeOps[] = {
    {RangeOp::kCountOverTime, "count_over_time"},
    {RangeOp::kRate, "rate"},
    {RangeOp::kBytesOverTime, "bytes_over_time"},
    {RangeOp::kBytesRate, "bytes_rate"},
    {RangeOp::kAbsentOverTime, "absent_over_time"},
    {RangeOp::kSumOverTime, "sum_over_time"},
    {RangeOp::kAvgOverTime, "avg_over_time"},
    {RangeOp::kMinOverTime, "min_over_time"},
    {RangeOp::kMaxOverTime, "max_over_time"},
    {RangeOp::kFirstOverTime, "first_over_time"},
    {RangeOp::kLastOverTime, "last_over_time"},
    {RangeOp::kStdvarOverTime, "stdvar_over_time"},
    {RangeOp::kStddevOverTime, "stddev_over_time"},
    {RangeOp::kQuantileOverTime, "quantile_over_time"},
    {RangeOp::kRateCounter, "rate_counter"},
};

template <typename Op, size_t N>
std::string_view NameOf(const OpName<Op> (&table)[N], Op op) {
  for (const OpName<Op>& entry : table) {
    if (entry.op == op) return entry.name;
  }
  return "?";
}

template <typename Op, size_t N>
std::optional<Op> FromName(const OpName<Op> (&table)[N], std::string_view name) {
  for (const OpName<Op>& entry : table) {
    if (entry.name == name) return entry.op;
  }
  return std::nullopt;
}

// FormatDuration drops sub-millisecond parts of long durations; fall back to nanoseconds then,
// so the text always parses back to the same value.
std::string DurationText(int64_t nanos) {
  std::string text = FormatDuration(nanos);
  absl::StatusOr<int64_t> back = ParseDuration(text);
  return back.ok() && *back == nanos ? text : absl::StrCat(nanos, "ns");
}

}  // namespace

std::string_view RangeOpName(RangeOp op) { return NameOf(kRangeOps, op); }
std::optional<RangeOp> RangeOpFromName(std::string_view name) { return FromName(kRangeOps, name); }

std::string ToString(const LogSelector& selector) {
  std::string out = "{";
  for (size_t i = 0; i < selector.matchers.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", selector.matchers[i].ToString());
  }
  out += "}";
  if (selector.pipeline.has_stages()) return absl::StrCat(out, " ", selector.pipeline.ToString());
  for (const LineFilterSpec& spec : selector.filter.specs()) {
    absl::StrAppend(&out, " ", ToString(spec));
  }
  return out;
}

std::string RangeAggregation::ToString() const {
  std::string out = absl::StrCat(std::string(RangeOpName(op)), "(");
  if (op == RangeOp::kQuantileOverTime)
    absl::StrAppend(&out, promql::FormatNumber(parameter), ", ");
  absl::StrAppend(&out, logql::ToString(selector));
  if (unwrap) {
    absl::StrAppend(&out, " | unwrap ",
                    unwrap->conversion_name.empty()
                        ? unwrap->label
                        : absl::StrCat(unwrap->conversion_name, "(", unwrap->label, ")"));
    for (const LabelMatcher& m : unwrap->filters) absl::StrAppend(&out, " | ", m.ToString());
  }
  absl::StrAppend(&out, "[", DurationText(range_ns), "]");
  if (modifiers.offset_ns != 0)
    absl::StrAppend(&out, " offset ", DurationText(modifiers.offset_ns));
  out += ")";
  if (grouped) {
    absl::StrAppend(&out, without ? " without (" : " by (", absl::StrJoin(grouping, ", "), ")");
  }
  return out;
}

namespace {

// Calls visit(e) for `expr` and every expression under it, parents first; E is MetricExpr or
// const MetricExpr.
template <typename E, typename Fn>
void VisitExprs(E& expr, const Fn& visit) {
  visit(expr);
  auto walk = [&](auto& child) {
    if (child) VisitExprs<E>(*child, visit);
  };
  std::visit(
      [&](auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, promql::ParenExpr> ||
                      std::is_same_v<T, promql::SubqueryExpr>) {
          walk(node.inner);
        } else if constexpr (std::is_same_v<T, promql::UnaryExpr>) {
          walk(node.operand);
        } else if constexpr (std::is_same_v<T, promql::BinaryExpr>) {
          walk(node.lhs);
          walk(node.rhs);
        } else if constexpr (std::is_same_v<T, promql::Call>) {
          for (auto& arg : node.args) walk(arg);
        } else if constexpr (std::is_same_v<T, promql::AggregateExpr>) {
          walk(node.param);
          walk(node.operand);
        }
      },
      expr.node);
}

}  // namespace

void ForEachExpr(MetricExpr& expr, const std::function<void(MetricExpr&)>& visit) {
  VisitExprs(expr, visit);
}

void ForEachRangeAggregation(const MetricExpr& expr,
                             const std::function<void(const RangeAggregation&)>& visit) {
  VisitExprs(expr, [&](const MetricExpr& e) {
    if (const auto* leaf = e.As<promql::LeafExpr>()) {
      if (const auto* range = dynamic_cast<const RangeAggregation*>(leaf->leaf.get())) {
        visit(*range);
      }
    }
  });
}

std::string ToString(const Query& query) {
  if (query.metric) return promql::ToString(*query.metric);
  return query.log ? ToString(*query.log) : "";
}

}  // namespace vigie::logql
