#include "query/promql/check.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "common/strings.h"
#include "query/logql/parse_error.h"

namespace vigie::promql {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view query) : query_(query) {}

  // The type of `expr` once its children check, or the first error in it.
  absl::StatusOr<ValueType> Check(Expr& expr) {
    return std::visit([&](auto& node) { return CheckNode(expr, node); }, expr.node);
  }

 private:
  absl::Status Error(size_t at, std::string_view message) const {
    return logql::ParseError(query_, at, message);
  }

  // Prometheus's expectType: "expected type <want> in <context>, got <type>".
  absl::Status ExpectType(Expr& expr, ValueType want, std::string_view context) {
    absl::StatusOr<ValueType> type = Check(expr);
    if (!type.ok()) return type.status();
    if (*type == want) return absl::OkStatus();
    return Error(expr.pos, StrCat("expected type ", DocumentedName(want), " in ", context, ", got ",
                                  DocumentedName(*type)));
  }

  absl::StatusOr<ValueType> CheckNode(Expr&, NumberLiteral&) { return ValueType::kScalar; }
  absl::StatusOr<ValueType> CheckNode(Expr&, StringLiteral&) { return ValueType::kString; }

  absl::StatusOr<ValueType> CheckNode(Expr& expr, LeafExpr& leaf) {
    const auto* selector = dynamic_cast<const Selector*>(leaf.leaf.get());
    if (!selector) return leaf.leaf->type();
    if (!selector->metric_name.empty()) {
      // The name's matcher is the last one; another __name__ matcher sets the name twice.
      for (size_t i = 0; i + 1 < selector->matchers.size(); ++i) {
        if (selector->matchers[i].name() == "__name__") {
          return Error(expr.pos,
                       StrCat("metric name must not be set twice: \"", selector->metric_name,
                              "\" or \"", selector->matchers[i].value(), "\""));
        }
      }
    } else if (std::all_of(selector->matchers.begin(), selector->matchers.end(),
                           [](const logql::LabelMatcher& m) { return m.MatchesEmpty(); })) {
      return Error(expr.pos, "vector selector must contain at least one non-empty matcher");
    }
    return selector->type();
  }

  absl::StatusOr<ValueType> CheckNode(Expr&, ParenExpr& paren) { return Check(*paren.inner); }

  absl::StatusOr<ValueType> CheckNode(Expr& expr, UnaryExpr& unary) {
    absl::StatusOr<ValueType> type = Check(*unary.operand);
    if (!type.ok()) return type;
    if (*type != ValueType::kScalar && *type != ValueType::kVector) {
      return Error(expr.pos, StrCat("unary expression only allowed on expressions of type scalar "
                                    "or instant vector, got \"",
                                    DocumentedName(*type), "\""));
    }
    return type;
  }

  absl::StatusOr<ValueType> CheckNode(Expr& expr, BinaryExpr& bin) {
    absl::StatusOr<ValueType> lt = Check(*bin.lhs);
    if (!lt.ok()) return lt;
    absl::StatusOr<ValueType> rt = Check(*bin.rhs);
    if (!rt.ok()) return rt;
    const std::string op = StrCat("\"", BinaryOpName(bin.op), "\"");
    if (bin.return_bool && !IsComparison(bin.op)) {
      return Error(bin.op_pos, "bool modifier can only be used on comparison operators");
    }
    if (IsComparison(bin.op) && !bin.return_bool && *lt == ValueType::kScalar &&
        *rt == ValueType::kScalar) {
      return Error(bin.op_pos, "comparisons between scalars must use BOOL modifier");
    }
    using Card = VectorMatching::Card;
    if (bin.matching) {
      VectorMatching& m = *bin.matching;
      if (IsSetOperator(bin.op) && m.card == Card::kOneToOne) m.card = Card::kManyToMany;
      for (const std::string& label : m.labels) {
        if (m.on && std::find(m.include.begin(), m.include.end(), label) != m.include.end()) {
          return Error(bin.op_pos, StrCat("label \"", label,
                                          "\" must not occur in ON and GROUP clause at once"));
        }
      }
    }
    for (auto [type, side] : {std::pair{*lt, bin.lhs.get()}, std::pair{*rt, bin.rhs.get()}}) {
      if (type != ValueType::kScalar && type != ValueType::kVector) {
        return Error(side->pos,
                     "binary expression must contain only scalar and instant vector types");
      }
    }
    const bool both_vectors = *lt == ValueType::kVector && *rt == ValueType::kVector;
    if (!both_vectors && bin.matching) {
      if (!bin.matching->labels.empty()) {
        return Error(expr.pos, "vector matching only allowed between instant vectors");
      }
      bin.matching.reset();
    } else if (both_vectors && IsSetOperator(bin.op)) {
      const Card card = bin.matching->card;
      if (card == Card::kOneToMany || card == Card::kManyToOne) {
        return Error(expr.pos, StrCat("no grouping allowed for ", op, " operation"));
      }
    }
    if (!both_vectors && IsSetOperator(bin.op)) {
      return Error(expr.pos,
                   StrCat("set operator ", op, " not allowed in binary scalar expression"));
    }
    return both_vectors || *lt == ValueType::kVector || *rt == ValueType::kVector
               ? ValueType::kVector
               : ValueType::kScalar;
  }

  absl::StatusOr<ValueType> CheckNode(Expr& expr, Call& call) {
    const Function& f = *call.function;
    const size_t n = call.args.size();
    const std::string name = StrCat("\"", f.name, "\"");
    if (f.variadic == 0 && n != f.arg_types.size()) {
      return Error(expr.pos, StrCat("expected ", f.arg_types.size(), " argument(s) in call to ",
                                    name, ", got ", n));
    }
    if (n < f.min_args()) {
      return Error(expr.pos, StrCat("expected at least ", f.min_args(), " argument(s) in call to ",
                                    name, ", got ", n));
    }
    if (n > f.max_args()) {
      return Error(expr.pos, StrCat("expected at most ", f.max_args(), " argument(s) in call to ",
                                    name, ", got ", n));
    }
    const std::string context = StrCat("call to function ", name);
    for (size_t i = 0; i < n; ++i) {
      if (absl::Status s = ExpectType(*call.args[i], f.arg_type(i), context); !s.ok()) return s;
    }
    return f.return_type;
  }

  absl::StatusOr<ValueType> CheckNode(Expr&, AggregateExpr& agg) {
    if (absl::Status s = ExpectType(*agg.operand, ValueType::kVector, "aggregation expression");
        !s.ok()) {
      return s;
    }
    if (agg.param) {
      if (absl::Status s =
              ExpectType(*agg.param, AggregateParamType(agg.op), "aggregation parameter");
          !s.ok()) {
        return s;
      }
    }
    return ValueType::kVector;
  }

  absl::StatusOr<ValueType> CheckNode(Expr& expr, SubqueryExpr& subquery) {
    absl::StatusOr<ValueType> type = Check(*subquery.inner);
    if (!type.ok()) return type;
    if (*type != ValueType::kVector) {
      return Error(expr.pos, StrCat("subquery is only allowed on instant vector, got ",
                                    InternalName(*type), " instead"));
    }
    return ValueType::kMatrix;
  }

  std::string_view query_;
};

}  // namespace

absl::Status CheckTypes(std::string_view query, Expr& expr) {
  return Checker(query).Check(expr).status();
}

}  // namespace vigie::promql
