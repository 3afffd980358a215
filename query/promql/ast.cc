#include "query/promql/ast.h"

#include <algorithm>
#include <cstdlib>

#include "common/strings.h"
#include "query/logql/quote.h"
#include "query/promql/literals.h"

namespace vigie::promql {
namespace {

template <typename Op>
struct OpName {
  Op op;
  std::string_view name;
};

constexpr OpName<BinaryOp> kBinaryOps[] = {
    {BinaryOp::kAdd, "+"},         {BinaryOp::kSub, "-"},   {BinaryOp::kMul, "*"},
    {BinaryOp::kDiv, "/"},         {BinaryOp::kMod, "%"},   {BinaryOp::kPow, "^"},
    {BinaryOp::kAtan2, "atan2"},   {BinaryOp::kEql, "=="},  {BinaryOp::kNeq, "!="},
    {BinaryOp::kGtr, ">"},         {BinaryOp::kLss, "<"},   {BinaryOp::kGte, ">="},
    {BinaryOp::kLte, "<="},        {BinaryOp::kAnd, "and"}, {BinaryOp::kOr, "or"},
    {BinaryOp::kUnless, "unless"},
};

constexpr OpName<AggregateOp> kAggregateOps[] = {
    {AggregateOp::kSum, "sum"},           {AggregateOp::kAvg, "avg"},
    {AggregateOp::kCount, "count"},       {AggregateOp::kMin, "min"},
    {AggregateOp::kMax, "max"},           {AggregateOp::kGroup, "group"},
    {AggregateOp::kStddev, "stddev"},     {AggregateOp::kStdvar, "stdvar"},
    {AggregateOp::kTopk, "topk"},         {AggregateOp::kBottomk, "bottomk"},
    {AggregateOp::kQuantile, "quantile"}, {AggregateOp::kCountValues, "count_values"},
};

template <typename Op, size_t N>
std::string_view NameOf(const OpName<Op> (&table)[N], Op op) {
  for (const OpName<Op>& entry : table) {
    if (entry.op == op) return entry.name;
  }
  return "?";
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) StrAppend(&out, i ? separator : "", parts[i]);
  return out;
}

std::string LabelList(const std::vector<std::string>& labels) {
  return StrCat("(", Join(labels, ", "), ")");
}

// " @ 1700000000.000 offset 5m", as Prometheus prints modifiers.
std::string ModifiersText(const TimeModifiers& m) {
  std::string out;
  switch (m.at) {
    case TimeModifiers::At::kNone:
      break;
    case TimeModifiers::At::kStart:
      out = " @ start()";
      break;
    case TimeModifiers::At::kEnd:
      out = " @ end()";
      break;
    case TimeModifiers::At::kTimestamp: {
      uint64_t magnitude = m.at_ms < 0 ? 0 - static_cast<uint64_t>(m.at_ms) : m.at_ms;
      std::string millis = std::to_string(magnitude % 1000);
      out = StrCat(" @ ", m.at_ms < 0 ? "-" : "", magnitude / 1000, ".",
                   std::string(3 - millis.size(), '0'), millis);
      break;
    }
  }
  if (m.offset_ns != 0) StrAppend(&out, " offset ", FormatDuration(m.offset_ns));
  return out;
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return FormatNumber(n.value); }
  std::string operator()(const StringLiteral& s) const { return logql::Quote(s.value); }
  std::string operator()(const LeafExpr& leaf) const { return leaf.leaf->ToString(); }
  std::string operator()(const ParenExpr& paren) const {
    return StrCat("(", ToString(*paren.inner), ")");
  }
  std::string operator()(const UnaryExpr& unary) const {
    return StrCat(unary.negate ? "-" : "+", ToString(*unary.operand));
  }
  std::string operator()(const BinaryExpr& bin) const {
    std::string lhs = ToString(*bin.lhs);
    // "+Inf ^ x" would read back as +(Inf ^ x): a sign before a number binds looser than ^.
    if (bin.op == BinaryOp::kPow && lhs.starts_with("+")) lhs.erase(0, 1);
    std::string out = StrCat(lhs, " ", BinaryOpName(bin.op));
    if (bin.return_bool) out += " bool";
    if (const std::optional<VectorMatching>& m = bin.matching) {
      using Card = VectorMatching::Card;
      const bool grouped = m->card == Card::kManyToOne || m->card == Card::kOneToMany;
      // Prometheus leaves out `ignoring ()` even before group_left, which changes the meaning;
      // here it stays so that the text reads back the same.
      if (m->on || !m->labels.empty() || grouped) {
        StrAppend(&out, m->on ? " on " : " ignoring ", LabelList(m->labels));
      }
      if (grouped) {
        StrAppend(&out, m->card == Card::kManyToOne ? " group_left " : " group_right ",
                  LabelList(m->include));
      }
    }
    StrAppend(&out, " ", ToString(*bin.rhs));
    return out;
  }
  std::string operator()(const Call& call) const {
    std::vector<std::string> args;
    for (const ExprPtr& arg : call.args) args.push_back(ToString(*arg));
    return StrCat(call.function->name, "(", Join(args, ", "), ")");
  }
  std::string operator()(const AggregateExpr& agg) const {
    std::string out(AggregateOpName(agg.op));
    if (agg.without) {
      StrAppend(&out, " without ", LabelList(agg.grouping), " ");
    } else if (!agg.grouping.empty()) {
      StrAppend(&out, " by ", LabelList(agg.grouping), " ");
    }
    StrAppend(&out, "(", agg.param ? StrCat(ToString(*agg.param), ", ") : "",
              ToString(*agg.operand), ")");
    return out;
  }
  std::string operator()(const SubqueryExpr& sub) const {
    return StrCat(ToString(*sub.inner), "[", FormatDuration(sub.range_ns), ":",
                  sub.step_ns ? FormatDuration(sub.step_ns) : "", "]",
                  ModifiersText(sub.modifiers));
  }
};

}  // namespace

std::string_view BinaryOpName(BinaryOp op) { return NameOf(kBinaryOps, op); }

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEql || op == BinaryOp::kNeq || op == BinaryOp::kGtr ||
         op == BinaryOp::kLss || op == BinaryOp::kGte || op == BinaryOp::kLte;
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggregateOpName(AggregateOp op) { return NameOf(kAggregateOps, op); }

std::optional<AggregateOp> AggregateOpFromName(std::string_view lowercase_name) {
  for (const OpName<AggregateOp>& entry : kAggregateOps) {
    if (entry.name == lowercase_name) return entry.op;
  }
  return std::nullopt;
}

ValueType AggregateParamType(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
      return ValueType::kScalar;
    case AggregateOp::kCountValues:
      return ValueType::kString;
    default:
      return ValueType::kNone;
  }
}

std::string Selector::ToString() const {
  std::vector<std::string> shown;
  for (const logql::LabelMatcher& m : matchers) {
    if (m.name() == "__name__" && m.type() == logql::MatchType::kEqual &&
        m.value() == metric_name) {
      continue;  // Written as the metric name.
    }
    shown.push_back(m.ToString());
  }
  std::sort(shown.begin(), shown.end());
  std::string out = metric_name;
  if (!shown.empty()) StrAppend(&out, "{", Join(shown, ","), "}");
  if (range_ns > 0) StrAppend(&out, "[", FormatDuration(range_ns), "]");
  out += ModifiersText(modifiers);
  return out;
}

ValueType Expr::type() const {
  struct Typer {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const LeafExpr& leaf) const { return leaf.leaf->type(); }
    ValueType operator()(const ParenExpr& paren) const { return paren.inner->type(); }
    ValueType operator()(const UnaryExpr& unary) const { return unary.operand->type(); }
    ValueType operator()(const BinaryExpr& bin) const {
      return bin.lhs->type() == ValueType::kScalar && bin.rhs->type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    ValueType operator()(const Call& call) const { return call.function->return_type; }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
  };
  return std::visit(Typer{}, node);
}

std::string ToString(const Expr& expr) { return std::visit(Printer{}, expr.node); }

}  // namespace vigie::promql
