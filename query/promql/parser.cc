#include "query/promql/parser.h"

#include <cmath>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "query/promql/check.h"
#include "query/promql/lexer.h"
#include "query/promql/literals.h"

namespace vigie::promql {
namespace {

using logql::LabelMatcher;
using logql::MatchType;

struct OperatorInfo {
  BinaryOp op;
  int precedence;  // Higher binds tighter.
};

// The binary operator `token` stands for, if any.
std::optional<OperatorInfo> BinaryOperator(const Token& token) {
  switch (token.kind) {
    case TokenKind::kAdd:
      return OperatorInfo{BinaryOp::kAdd, 4};
    case TokenKind::kSub:
      return OperatorInfo{BinaryOp::kSub, 4};
    case TokenKind::kMul:
      return OperatorInfo{BinaryOp::kMul, 5};
    case TokenKind::kDiv:
      return OperatorInfo{BinaryOp::kDiv, 5};
    case TokenKind::kMod:
      return OperatorInfo{BinaryOp::kMod, 5};
    case TokenKind::kPow:
      return OperatorInfo{BinaryOp::kPow, 6};
    case TokenKind::kEqlc:
      return OperatorInfo{BinaryOp::kEql, 3};
    case TokenKind::kNe:
      return OperatorInfo{BinaryOp::kNeq, 3};
    case TokenKind::kGtr:
      return OperatorInfo{BinaryOp::kGtr, 3};
    case TokenKind::kLss:
      return OperatorInfo{BinaryOp::kLss, 3};
    case TokenKind::kGte:
      return OperatorInfo{BinaryOp::kGte, 3};
    case TokenKind::kLte:
      return OperatorInfo{BinaryOp::kLte, 3};
    case TokenKind::kIdent:
      if (token.text == "atan2") return OperatorInfo{BinaryOp::kAtan2, 5};
      if (token.text == "and") return OperatorInfo{BinaryOp::kAnd, 2};
      if (token.text == "unless") return OperatorInfo{BinaryOp::kUnless, 2};
      if (token.text == "or") return OperatorInfo{BinaryOp::kOr, 1};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}
constexpr int kPowPrecedence = 6;

// Keywords that Prometheus also accepts as a metric name (its metric_identifier rule).
bool IsMetricNameKeyword(std::string_view keyword) {
  for (std::string_view k : {"by", "without", "offset", "and", "or", "unless", "start", "end"}) {
    if (keyword == k) return true;
  }
  return AggregateOpFromName(keyword).has_value();
}

ExprPtr MakeExpr(size_t pos, auto node) {
  auto expr = std::make_unique<Expr>();
  expr->node = std::move(node);
  expr->pos = pos;
  return expr;
}

// A recursive-descent (precedence-climbing) parser over the tokens of one expression. Each
// method consumes one construct of the grammar in docs/promql.md and returns the first error.
class Parser {
 public:
  // `dialect` may be null (PromQL itself); it must outlive the parser.
  Parser(std::string_view query, std::vector<Token> tokens, const Limits& limits,
         const Dialect* dialect)
      : query_(query), tokens_(std::move(tokens)), limits_(limits), dialect_(dialect) {}

  absl::StatusOr<ExprPtr> Run() {
    if (Peek().kind == TokenKind::kEnd) return Error(Peek().offset, "no expression found in input");
    absl::StatusOr<ExprPtr> expr = Binary(0);
    if (!expr.ok()) return expr.status();
    if (Peek().kind != TokenKind::kEnd) return Unexpected("", "");
    return expr;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() { return tokens_[pos_ + 1 < tokens_.size() ? pos_++ : pos_]; }
  bool PeekKeyword(std::string_view word) const { return Peek().IsKeyword(word); }

  absl::Status Error(size_t at, std::string_view message) const {
    return logql::ParseError(query_, at, message);
  }
  // "unexpected <next token>[ in <context>][, expected <expected>]", or the lexer's error when
  // the next token is one.
  absl::Status Unexpected(std::string_view context, std::string_view expected) const {
    const Token& t = Peek();
    if (t.kind == TokenKind::kError) return Error(t.offset, t.text);
    std::string message = StrCat("unexpected ", Describe(t));
    if (!context.empty()) StrAppend(&message, " in ", context);
    if (!expected.empty()) StrAppend(&message, ", expected ", expected);
    return Error(t.offset, message);
  }
  absl::Status Expect(TokenKind kind, std::string_view context, std::string_view expected) {
    if (Peek().kind != kind) return Unexpected(context, expected);
    Next();
    return absl::OkStatus();
  }
  // Counts a level of nesting; see kMaxDepth.
  absl::Status Deeper() {
    if (++depth_ > kMaxDepth) {
      return Error(Peek().offset, StrCat("expression nests deeper than ", kMaxDepth, " levels"));
    }
    return absl::OkStatus();
  }

  // expr := unary (binary_op modifiers unary)*, by precedence; ^ is right-associative.
  absl::StatusOr<ExprPtr> Binary(int min_precedence) {
    const int saved_depth = depth_;
    absl::StatusOr<ExprPtr> lhs = Unary();
    if (!lhs.ok()) return lhs;
    while (true) {
      std::optional<OperatorInfo> info = BinaryOperator(Peek());
      if (!info || info->precedence < min_precedence) break;
      if (dialect_ && info->op == BinaryOp::kAtan2) break;
      if (absl::Status s = Deeper(); !s.ok()) return s;
      const size_t op_pos = Next().offset;
      BinaryExpr bin;
      bin.op = info->op;
      bin.op_pos = op_pos;
      if (absl::Status s = Modifiers(&bin); !s.ok()) return s;
      absl::StatusOr<ExprPtr> rhs =
          Binary(info->op == BinaryOp::kPow ? info->precedence : info->precedence + 1);
      if (!rhs.ok()) return rhs;
      const size_t pos = (*lhs)->pos;
      bin.lhs = *std::move(lhs);
      bin.rhs = *std::move(rhs);
      lhs = MakeExpr(pos, std::move(bin));
    }
    depth_ = saved_depth;
    return lhs;
  }

  // [bool] [(on | ignoring) labels [(group_left | group_right) [labels]]]
  absl::Status Modifiers(BinaryExpr* bin) {
    VectorMatching& m = bin->matching.emplace();
    if (PeekKeyword("bool")) {
      Next();
      bin->return_bool = true;
    }
    if (!PeekKeyword("on") && !PeekKeyword("ignoring")) return absl::OkStatus();
    m.on = Next().text == "on";
    absl::StatusOr<std::vector<std::string>> labels = LabelList();
    if (!labels.ok()) return labels.status();
    m.labels = *std::move(labels);
    if (!PeekKeyword("group_left") && !PeekKeyword("group_right")) return absl::OkStatus();
    m.card = Next().text == "group_left" ? VectorMatching::Card::kManyToOne
                                         : VectorMatching::Card::kOneToMany;
    if (Peek().kind != TokenKind::kLParen) return absl::OkStatus();
    labels = LabelList();
    if (!labels.ok()) return labels.status();
    m.include = *std::move(labels);
    return absl::OkStatus();
  }

  // labels := '(' [label (',' label)* [',']] ')'
  absl::StatusOr<std::vector<std::string>> LabelList() {
    constexpr std::string_view kContext = "grouping opts";
    if (absl::Status s = Expect(TokenKind::kLParen, kContext, "\"(\""); !s.ok()) return s;
    std::vector<std::string> labels;
    while (Peek().kind != TokenKind::kRParen) {
      if (Peek().kind != TokenKind::kIdent) return Unexpected(kContext, "label");
      labels.emplace_back(Next().raw);
      if (Peek().kind == TokenKind::kComma) {
        Next();
      } else if (Peek().kind != TokenKind::kRParen) {
        return Unexpected(kContext, "\",\" or \")\"");
      }
    }
    Next();
    return labels;
  }

  // unary := ('+' | '-') unary_operand | postfix; the operand binds like the right side of *,
  // so -a^b is -(a^b) and -a*b is (-a)*b. A sign before a number literal is folded into it.
  absl::StatusOr<ExprPtr> Unary() {
    if (Peek().kind != TokenKind::kAdd && Peek().kind != TokenKind::kSub) return Postfix();
    if (absl::Status s = Deeper(); !s.ok()) return s;
    const Token& op = Next();
    absl::StatusOr<ExprPtr> operand = Binary(kPowPrecedence);
    if (!operand.ok()) return operand;
    --depth_;
    const bool negate = op.kind == TokenKind::kSub;
    if (NumberLiteral* number = (*operand)->As<NumberLiteral>()) {
      if (negate) number->value = -number->value;
      (*operand)->pos = op.offset;
      return operand;
    }
    return MakeExpr(op.offset, UnaryExpr{negate, *std::move(operand)});
  }

  // postfix := primary ('[' range ']' | '[' range ':' [step] ']' | offset | @)*
  absl::StatusOr<ExprPtr> Postfix() {
    absl::StatusOr<ExprPtr> expr = Primary();
    if (!expr.ok()) return expr;
    if (dialect_) {
      if (Peek().kind == TokenKind::kLBracket || PeekKeyword("offset") ||
          Peek().kind == TokenKind::kAt) {
        return Error(Peek().offset,
                     StrCat(Describe(Peek()), " is not supported here in ", dialect_->name(),
                            ": ranges and offsets go inside a range aggregation such as "
                            "count_over_time({...}[5m] offset 1h)"));
      }
      return expr;
    }
    while (true) {
      absl::Status s;
      if (Peek().kind == TokenKind::kLBracket) {
        s = RangeOrSubquery(&*expr);
      } else if (PeekKeyword("offset")) {
        s = Offset(**expr);
      } else if (Peek().kind == TokenKind::kAt) {
        s = At(**expr);
      } else {
        return expr;
      }
      if (!s.ok()) return s;
    }
  }

  // A duration token (the lexer has delimited it), > 0.
  absl::StatusOr<int64_t> Duration(std::string_view context, std::string_view expected) {
    if (Peek().kind != TokenKind::kDuration) return Unexpected(context, expected);
    const Token& token = Next();
    absl::StatusOr<int64_t> nanos = ParseDuration(token.raw);
    if (!nanos.ok()) return Error(token.offset, std::string(nanos.status().message()));
    if (*nanos == 0) return Error(token.offset, "duration must be greater than 0");
    return nanos;
  }

  absl::Status RangeOrSubquery(ExprPtr* expr) {
    const size_t open = Next().offset;
    absl::StatusOr<int64_t> range = Duration("subquery selector", "duration");
    if (!range.ok()) return range.status();
    if (Peek().kind == TokenKind::kRBracket) {
      Next();
      Selector* selector = SelectorOf(**expr);
      if (!selector || selector->range_ns != 0) {
        return Error(open, "ranges only allowed for vector selectors");
      }
      if (selector->modifiers.offset_ns != 0) {
        return Error(open, "no offset modifiers allowed before range");
      }
      if (selector->modifiers.at != TimeModifiers::At::kNone) {
        return Error(open, "no @ modifiers allowed before range");
      }
      selector->range_ns = *range;
      return absl::OkStatus();
    }
    if (Peek().kind != TokenKind::kColon) return Unexpected("subquery or range", "\":\" or \"]\"");
    Next();
    SubqueryExpr subquery{.range_ns = *range};
    if (Peek().kind != TokenKind::kRBracket) {
      absl::StatusOr<int64_t> step = Duration("subquery selector", "duration or \"]\"");
      if (!step.ok()) return step.status();
      subquery.step_ns = *step;
    }
    if (absl::Status s = Expect(TokenKind::kRBracket, "subquery selector", "\"]\""); !s.ok()) {
      return s;
    }
    const size_t pos = (*expr)->pos;
    subquery.inner = std::move(*expr);
    *expr = MakeExpr(pos, std::move(subquery));
    return absl::OkStatus();
  }

  static Selector* SelectorOf(Expr& expr) {
    LeafExpr* leaf = expr.As<LeafExpr>();
    return leaf ? dynamic_cast<Selector*>(leaf->leaf.get()) : nullptr;
  }
  // The @ and offset of a selector or subquery; nullptr for any other expression.
  static TimeModifiers* ModifiersOf(Expr& expr) {
    if (Selector* selector = SelectorOf(expr)) return &selector->modifiers;
    if (SubqueryExpr* subquery = expr.As<SubqueryExpr>()) return &subquery->modifiers;
    return nullptr;
  }

  // offset := 'offset' ['-'] duration
  absl::Status Offset(Expr& expr) {
    Next();
    const bool negative = Peek().kind == TokenKind::kSub;
    if (negative) Next();
    absl::StatusOr<int64_t> offset = Duration("offset", "duration");
    if (!offset.ok()) return offset.status();
    TimeModifiers* modifiers = ModifiersOf(expr);
    if (!modifiers) {
      return Error(expr.pos,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
    }
    if (modifiers->offset_ns != 0) return Error(expr.pos, "offset may not be set multiple times");
    modifiers->offset_ns = negative ? -*offset : *offset;
    return absl::OkStatus();
  }

  // at := '@' (['+' | '-'] number | 'start' '(' ')' | 'end' '(' ')')
  absl::Status At(Expr& expr) {
    Next();
    TimeModifiers at;
    if (PeekKeyword("start") || PeekKeyword("end")) {
      at.at = Next().text == "start" ? TimeModifiers::At::kStart : TimeModifiers::At::kEnd;
      if (absl::Status s = Expect(TokenKind::kLParen, "@", "\"(\""); !s.ok()) return s;
      if (absl::Status s = Expect(TokenKind::kRParen, "@", "\")\""); !s.ok()) return s;
    } else {
      const bool negative = Peek().kind == TokenKind::kSub;
      if (negative || Peek().kind == TokenKind::kAdd) Next();
      if (Peek().kind != TokenKind::kNumber) return Unexpected("@", "timestamp");
      const Token& token = Next();
      absl::StatusOr<double> seconds = ParseNumber(token.raw);
      if (!seconds.ok()) return Error(token.offset, std::string(seconds.status().message()));
      double ms = std::round((negative ? -*seconds : *seconds) * 1000);
      // Prometheus bounds the seconds by int64; milliseconds must fit too here.
      if (!(std::fabs(ms) < 9.2e18)) {
        return Error(expr.pos, StrCat("timestamp out of bounds for @ modifier: ",
                                      FormatNumber(negative ? -*seconds : *seconds)));
      }
      at.at = TimeModifiers::At::kTimestamp;
      at.at_ms = static_cast<int64_t>(ms);
    }
    TimeModifiers* modifiers = ModifiersOf(expr);
    if (!modifiers) {
      return Error(expr.pos,
                   "@ modifier must be preceded by an instant vector selector or range vector "
                   "selector or a subquery");
    }
    if (modifiers->at != TimeModifiers::At::kNone) {
      return Error(expr.pos, "@ <timestamp> may not be set multiple times");
    }
    modifiers->at = at.at;
    modifiers->at_ms = at.at_ms;
    return absl::OkStatus();
  }

  absl::StatusOr<ExprPtr> Primary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        Next();
        absl::StatusOr<double> value = ParseNumber(t.raw);
        if (!value.ok()) return Error(t.offset, std::string(value.status().message()));
        return MakeExpr(t.offset, NumberLiteral{*value});
      }
      case TokenKind::kString:
        Next();
        return MakeExpr(t.offset, StringLiteral{t.text});
      case TokenKind::kLParen: {
        Next();
        if (absl::Status s = Deeper(); !s.ok()) return s;
        absl::StatusOr<ExprPtr> inner = Binary(0);
        if (!inner.ok()) return inner;
        --depth_;
        if (absl::Status s = Expect(TokenKind::kRParen, "", "\")\""); !s.ok()) return s;
        return MakeExpr(t.offset, ParenExpr{*std::move(inner)});
      }
      case TokenKind::kLBrace:
      case TokenKind::kMetricIdent:
        if (dialect_) return Error(t.offset, dialect_->BareLeafError(t.raw));
        return SelectorExpr();
      case TokenKind::kIdent: {
        const bool call_like = Peek(1).kind == TokenKind::kLParen;
        if (dialect_ && call_like && dialect_->IsLeaf(t.raw)) return DialectLeaf();
        if (dialect_ && !call_like && t.text.empty()) {
          return Error(t.offset, dialect_->BareLeafError(t.raw));
        }
        if (t.text.empty()) return call_like ? FunctionCall() : SelectorExpr();
        std::optional<AggregateOp> op = AggregateOpFromName(t.text);
        if (op && (call_like || Peek(1).IsKeyword("by") || Peek(1).IsKeyword("without"))) {
          return Aggregation(*op);
        }
        if (IsMetricNameKeyword(t.text)) return SelectorExpr();
        return Unexpected("", "");
      }
      default:
        return Unexpected("", "");
    }
  }

  // A leaf of the dialect, which its own parser reads; the tokens after it are read again from
  // where it ends.
  absl::StatusOr<ExprPtr> DialectLeaf() {
    const size_t start = Peek().offset;
    size_t end = start;
    absl::StatusOr<std::unique_ptr<Leaf>> leaf = dialect_->ParseLeaf(query_, start, &end);
    if (!leaf.ok()) return leaf.status();
    int paren_depth = 0;
    for (size_t i = 0; i < pos_; ++i) {
      if (tokens_[i].kind == TokenKind::kLParen) ++paren_depth;
      if (tokens_[i].kind == TokenKind::kRParen) --paren_depth;
    }
    tokens_.resize(pos_);
    for (Token& t : Tokenize(query_, end, paren_depth)) tokens_.push_back(std::move(t));
    return MakeExpr(start, LeafExpr{*std::move(leaf)});
  }

  // selector := [metric_name] ['{' [matcher (',' matcher)* [',']] '}']
  absl::StatusOr<ExprPtr> SelectorExpr() {
    const size_t pos = Peek().offset;
    auto selector = std::make_unique<Selector>();
    if (Peek().kind != TokenKind::kLBrace) selector->metric_name = std::string(Next().raw);
    if (Peek().kind == TokenKind::kLBrace) {
      Next();
      constexpr std::string_view kContext = "label matching";
      while (Peek().kind != TokenKind::kRBrace) {
        if (absl::Status s = Matcher(selector.get()); !s.ok()) return s;
        if (Peek().kind == TokenKind::kComma) {
          Next();
        } else if (Peek().kind != TokenKind::kRBrace) {
          return Unexpected(kContext, "\",\" or \"}\"");
        }
      }
      Next();
    }
    if (!selector->metric_name.empty()) {
      absl::StatusOr<LabelMatcher> name =
          LabelMatcher::Make("__name__", MatchType::kEqual, selector->metric_name, limits_);
      if (!name.ok()) return Error(pos, std::string(name.status().message()));
      selector->matchers.push_back(*std::move(name));
    }
    return MakeExpr(pos, LeafExpr{std::move(selector)});
  }

  // matcher := label ('=' | '!=' | '=~' | '!~') string
  absl::Status Matcher(Selector* selector) {
    constexpr std::string_view kContext = "label matching";
    if (Peek().kind != TokenKind::kIdent) return Unexpected(kContext, "identifier or \"}\"");
    const Token& name = Next();
    MatchType type;
    switch (Peek().kind) {
      case TokenKind::kAssign:
        type = MatchType::kEqual;
        break;
      case TokenKind::kNe:
        type = MatchType::kNotEqual;
        break;
      case TokenKind::kRe:
        type = MatchType::kRegex;
        break;
      case TokenKind::kNre:
        type = MatchType::kNotRegex;
        break;
      default:
        return Unexpected(kContext, "label matching operator");
    }
    Next();
    if (Peek().kind != TokenKind::kString) return Unexpected(kContext, "string");
    const Token& value = Next();
    absl::StatusOr<LabelMatcher> matcher =
        LabelMatcher::Make(std::string(name.raw), type, value.text, limits_);
    if (!matcher.ok()) return Error(name.offset, std::string(matcher.status().message()));
    selector->matchers.push_back(*std::move(matcher));
    return absl::OkStatus();
  }

  // args := '(' [expr (',' expr)*] ')'
  absl::StatusOr<std::vector<ExprPtr>> Args(std::string_view context) {
    if (absl::Status s = Expect(TokenKind::kLParen, context, "\"(\""); !s.ok()) return s;
    if (absl::Status s = Deeper(); !s.ok()) return s;
    std::vector<ExprPtr> args;
    while (Peek().kind != TokenKind::kRParen) {
      absl::StatusOr<ExprPtr> arg = Binary(0);
      if (!arg.ok()) return arg.status();
      args.push_back(*std::move(arg));
      if (Peek().kind == TokenKind::kComma) {
        const size_t comma = Next().offset;
        if (Peek().kind == TokenKind::kRParen) {
          return Error(comma, "trailing commas not allowed in function call args");
        }
      } else if (Peek().kind != TokenKind::kRParen) {
        return Unexpected(context, "\",\" or \")\"");
      }
    }
    Next();
    --depth_;
    return args;
  }

  // call := identifier args
  absl::StatusOr<ExprPtr> FunctionCall() {
    const Token& name = Next();
    absl::StatusOr<std::vector<ExprPtr>> args = Args(StrCat("call to function \"", name.raw, "\""));
    if (!args.ok()) return args.status();
    const Function* function = FindFunction(name.raw);
    if (dialect_ && !dialect_->HasFunction(name.raw)) function = nullptr;
    if (!function)
      return Error(name.offset, StrCat("unknown function with name \"", name.raw, "\""));
    return MakeExpr(name.offset, Call{function, *std::move(args)});
  }

  // aggregation := op [grouping] args | op args grouping;  grouping := (by | without) labels
  absl::StatusOr<ExprPtr> Aggregation(AggregateOp op) {
    const size_t pos = Next().offset;
    if (dialect_ && !dialect_->HasAggregation(op)) {
      return Error(pos, StrCat("aggregation \"", AggregateOpName(op), "\" is not supported in ",
                               dialect_->name()));
    }
    AggregateExpr agg{.op = op};
    bool grouped = false;
    auto grouping = [&]() -> absl::Status {
      if (!PeekKeyword("by") && !PeekKeyword("without")) return absl::OkStatus();
      agg.without = Next().text == "without";
      absl::StatusOr<std::vector<std::string>> labels = LabelList();
      if (!labels.ok()) return labels.status();
      agg.grouping = *std::move(labels);
      grouped = true;
      return absl::OkStatus();
    };
    if (absl::Status s = grouping(); !s.ok()) return s;
    absl::StatusOr<std::vector<ExprPtr>> args = Args("aggregation");
    if (!args.ok()) return args.status();
    if (!grouped) {
      if (absl::Status s = grouping(); !s.ok()) return s;
    }
    if (args->empty()) return Error(pos, "no arguments for aggregate expression provided");
    const size_t wanted = AggregateParamType(op) == ValueType::kNone ? 1 : 2;
    if (args->size() != wanted) {
      return Error(pos, StrCat("wrong number of arguments for aggregate expression provided, "
                               "expected ",
                               wanted, ", got ", args->size()));
    }
    if (wanted == 2) agg.param = std::move((*args)[0]);
    agg.operand = std::move(args->back());
    return MakeExpr(pos, std::move(agg));
  }

  std::string_view query_;
  std::vector<Token> tokens_;  // Ends with kEnd or kError, where Next() stays.
  size_t pos_ = 0;
  int depth_ = 0;
  const Limits& limits_;
  const Dialect* dialect_;
};

absl::StatusOr<ExprPtr> ParseIn(std::string_view text, const Limits& limits,
                                const Dialect* dialect) {
  if (text.size() > limits.max_query_bytes) {
    return absl::InvalidArgumentError(StrCat(
        "query is ", text.size(), " bytes long, more than the limit of ", limits.max_query_bytes));
  }
  absl::StatusOr<ExprPtr> expr = Parser(text, Tokenize(text), limits, dialect).Run();
  if (!expr.ok()) return expr;
  if (absl::Status s = CheckTypes(text, **expr); !s.ok()) return s;
  return expr;
}

}  // namespace

absl::StatusOr<ExprPtr> Parse(std::string_view text, const Limits& limits) {
  return ParseIn(text, limits, nullptr);
}

absl::StatusOr<ExprPtr> Parse(std::string_view text, const Limits& limits, const Dialect& dialect) {
  return ParseIn(text, limits, &dialect);
}

}  // namespace vigie::promql
