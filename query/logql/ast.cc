#include "query/logql/ast.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time.h"
#include "query/logql/quote.h"

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
};
constexpr OpName<VectorOp> kVectorOps[] = {
    {VectorOp::kSum, "sum"}, {VectorOp::kCount, "count"}, {VectorOp::kMax, "max"},
    {VectorOp::kMin, "min"}, {VectorOp::kAvg, "avg"},
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
std::string_view VectorOpName(VectorOp op) { return NameOf(kVectorOps, op); }
std::optional<RangeOp> RangeOpFromName(std::string_view name) { return FromName(kRangeOps, name); }
std::optional<VectorOp> VectorOpFromName(std::string_view name) {
  return FromName(kVectorOps, name);
}

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

std::string ToString(const MetricExpr& expr) {
  if (expr.kind == MetricExpr::Kind::kRange) {
    std::string out = absl::StrCat(std::string(RangeOpName(expr.range_op)), "(",
                                   ToString(expr.selector), "[", DurationText(expr.range_ns), "]");
    if (expr.offset_ns != 0) absl::StrAppend(&out, " offset ", DurationText(expr.offset_ns));
    return out + ")";
  }
  std::string out(VectorOpName(expr.vector_op));
  if (expr.without || !expr.grouping.empty()) {
    absl::StrAppend(&out, expr.without ? " without (" : " by (", absl::StrJoin(expr.grouping, ", "),
                    ") ");
  }
  return absl::StrCat(out, "(", expr.inner ? ToString(*expr.inner) : "", ")");
}

std::string ToString(const Query& query) {
  if (query.metric) return ToString(*query.metric);
  return query.log ? ToString(*query.log) : "";
}

}  // namespace vigie::logql
