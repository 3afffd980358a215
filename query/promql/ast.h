// The parsed form of a PromQL expression, as Parse() in parser.h builds it and the evaluator
// walks it. docs/promql.md describes the grammar.
//
// The tree knows nothing of storage. Its leaves (the nodes that produce series when evaluated)
// sit behind the small Leaf interface: a PromQL selector is one kind of leaf, a LogQL log-range
// aggregation will be another, and operators, aggregations and functions above them are the
// same for both.
//
// Thread safety: value types; after Parse() returns, const access from several threads is safe
// (matchers are compiled and immutable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "query/logql/matcher.h"
#include "query/promql/functions.h"

namespace vigie::promql {

// @ and offset of a selector or a subquery: `foo @ 1700000000 offset 5m`.
struct TimeModifiers {
  enum class At { kNone, kTimestamp, kStart, kEnd };  // @ <t>, @ start(), @ end()
  At at = At::kNone;
  int64_t at_ms = 0;      // kTimestamp: milliseconds since the epoch (Prometheus's resolution).
  int64_t offset_ns = 0;  // Moves the evaluation time back by this much; negative moves forward.

  bool operator==(const TimeModifiers&) const = default;
};

// A node that produces series when evaluated: an instant vector (one sample per series and
// evaluation time) or a range vector (the raw samples of a window per series).
class Leaf {
 public:
  virtual ~Leaf() = default;
  // kVector or kMatrix.
  virtual ValueType type() const = 0;
  // The @ and offset that apply to the leaf as a whole (the evaluator needs @ to know whether
  // the leaf is the same at every step).
  virtual const TimeModifiers& time() const = 0;
  // Canonical text of the leaf, modifiers included, which its language's parser reads back.
  virtual std::string ToString() const = 0;
};

// A PromQL series selector: foo{a="b", c=~"d.*"}[5m] @ 1700000000 offset 1h.
struct Selector final : Leaf {
  // The metric name written before the braces ("" when there is none). When set, `matchers`
  // ends with __name__="<metric_name>", as in Prometheus.
  std::string metric_name;
  // Every matcher a series must satisfy, in the order written.
  std::vector<logql::LabelMatcher> matchers;
  // > 0 for a range vector selector (foo[5m]); 0 for an instant vector selector.
  int64_t range_ns = 0;
  TimeModifiers modifiers;

  ValueType type() const override { return range_ns > 0 ? ValueType::kMatrix : ValueType::kVector; }
  const TimeModifiers& time() const override { return modifiers; }
  std::string ToString() const override;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparison
  kAnd,
  kOr,
  kUnless,  // set
};
// The operator as written: "+", "==", "atan2", "and".
std::string_view BinaryOpName(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,  // these take a parameter first
};
std::string_view AggregateOpName(AggregateOp op);
std::optional<AggregateOp> AggregateOpFromName(std::string_view lowercase_name);
// The type of the parameter: kScalar (topk, bottomk, quantile), kString (count_values), or
// kNone for the operators without one.
ValueType AggregateParamType(AggregateOp op);

// How the series of two instant vectors are paired by a binary operator.
struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  // kManyToOne for group_left, kOneToMany for group_right, kManyToMany for and/or/unless.
  Card card = Card::kOneToOne;
  bool on = false;                   // on (labels) rather than ignoring (labels).
  std::vector<std::string> labels;   // The on/ignoring list.
  std::vector<std::string> include;  // The group_left/group_right list.
};

// 42, 0x1f, 1e-3, Inf, NaN.
struct NumberLiteral {
  double value = 0;
};
// "text", 'text' or `text`, decoded.
struct StringLiteral {
  std::string value;
};
// A leaf; the PromQL parser makes only Selector leaves.
struct LeafExpr {
  std::unique_ptr<Leaf> leaf;
};
// ( inner )
struct ParenExpr {
  ExprPtr inner;
};
// -operand or +operand (a minus before a number literal is folded into the literal).
struct UnaryExpr {
  bool negate = true;
  ExprPtr operand;
};
// lhs op [bool] [on|ignoring (...) [group_left|group_right (...)]] rhs
struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  // Set when both operands are instant vectors; absent when one is a scalar.
  std::optional<VectorMatching> matching;
  size_t op_pos = 0;  // Byte offset of the operator, for error messages.
};
// function(args...)
struct Call {
  const Function* function = nullptr;  // Never null after parsing.
  std::vector<ExprPtr> args;
};
// op [by|without (labels)] ([param,] operand)
struct AggregateExpr {
  AggregateOp op = AggregateOp::kSum;
  ExprPtr param;  // Set exactly for the operators that take one.
  ExprPtr operand;
  std::vector<std::string> grouping;
  bool without = false;  // without (grouping) rather than by (grouping).
};
// inner[range:step] @ t offset d
struct SubqueryExpr {
  ExprPtr inner;
  int64_t range_ns = 0;  // > 0.
  int64_t step_ns = 0;   // 0 when not written: the evaluator uses its default step.
  TimeModifiers modifiers;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, LeafExpr, ParenExpr, UnaryExpr, BinaryExpr, Call,
               AggregateExpr, SubqueryExpr>
      node;
  size_t pos = 0;  // Byte offset in the query where the expression starts.

  // The type of the value the expression produces, from its node alone (Parse() has checked
  // that the operands fit).
  ValueType type() const;

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&node);
  }
  template <typename T>
  T* As() {
    return std::get_if<T>(&node);
  }
};

// Canonical text: Prometheus's printer form (`sum by (job) (rate(foo{a="b"}[5m] offset 1h))`,
// matchers sorted, strings double-quoted, durations in their shortest form), which Parse()
// reads back to an expression with the same ToString().
std::string ToString(const Expr& expr);

}  // namespace vigie::promql
