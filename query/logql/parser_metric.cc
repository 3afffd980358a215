// Metric queries: PromQL's parser reads the operators, aggregations, functions and numbers, and
// calls back here (LogqlDialect) for each range aggregation, the leaves, which this parser reads
// with LogQL's tokens: count_over_time({a="b"} |= "x" [5m]).
#include "common/strings.h"
#include "common/time.h"
#include "query/logql/parser_impl.h"
#include "query/promql/literals.h"
#include "query/promql/parser.h"

namespace vigie::logql::internal {
namespace {

bool IsOneOf(RangeOp op, std::initializer_list<RangeOp> ops) {
  for (RangeOp o : ops) {
    if (o == op) return true;
  }
  return false;
}

// What LogQL has of PromQL's operator layer, and its range aggregations as leaves.
class LogqlDialect final : public promql::Dialect {
 public:
  explicit LogqlDialect(const Limits& limits) : limits_(limits) {}

  std::string_view name() const override { return "LogQL"; }
  bool IsLeaf(std::string_view function) const override {
    return RangeOpFromName(function).has_value();
  }
  absl::StatusOr<std::unique_ptr<promql::Leaf>> ParseLeaf(std::string_view query, size_t offset,
                                                          size_t* end) const override {
    absl::StatusOr<std::vector<Token>> tokens = Tokenize(query, offset, /*one_call=*/true);
    if (!tokens.ok()) return tokens.status();
    absl::StatusOr<std::unique_ptr<RangeAggregation>> leaf =
        Parser(query, *std::move(tokens), limits_).RangeAggregationLeaf(end);
    if (!leaf.ok()) return leaf.status();
    return std::unique_ptr<promql::Leaf>(*std::move(leaf));
  }
  bool HasAggregation(promql::AggregateOp op) const override {
    using promql::AggregateOp;
    for (AggregateOp o : {AggregateOp::kSum, AggregateOp::kAvg, AggregateOp::kCount,
                          AggregateOp::kMin, AggregateOp::kMax, AggregateOp::kStddev,
                          AggregateOp::kStdvar, AggregateOp::kTopk, AggregateOp::kBottomk}) {
      if (o == op) return true;
    }
    return false;
  }
  bool HasFunction(std::string_view name) const override {
    return name == "vector" || name == "label_replace" || name == "sort" || name == "sort_desc";
  }
  std::string BareLeafError(std::string_view token) const override {
    if (token == "{") {
      return "a log query cannot be used in a metric query as it is: count its lines with a "
             "range aggregation such as count_over_time({...}[5m])";
    }
    return StrCat(
        "unexpected '", token,
        "': a metric query is made of range aggregations such as count_over_time({...}[5m]), "
        "numbers, operators, vector aggregations (sum, avg, min, max, count, stddev, stdvar, "
        "topk, bottomk), sort, sort_desc, label_replace and vector");
  }

 private:
  const Limits& limits_;
};

// Loki's parser hints (its syntax package: noLabels, canInjectVectorGrouping): sets
// RangeAggregation::labels_unused on the range aggregations whose labels the query drops, and
// labels_read on those of which it reads only a grouping's.
// absent_over_time's series are labelled by its selector alone; a sum() without grouping keeps
// no label of a range aggregation right under it (parentheses between them do not count), when
// that aggregation is one whose series Loki builds from the labels (count_over_time, rate,
// bytes_*, sum_over_time) and has no grouping of its own.
void MarkLabelsUnused(promql::Expr& expr) {
  auto range_of = [](promql::Expr* e) -> RangeAggregation* {
    while (auto* paren = e->As<promql::ParenExpr>()) e = paren->inner.get();
    auto* leaf = e->As<promql::LeafExpr>();
    return leaf ? dynamic_cast<RangeAggregation*>(leaf->leaf.get()) : nullptr;
  };
  if (RangeAggregation* range = range_of(&expr); range && range->op == RangeOp::kAbsentOverTime) {
    range->labels_unused = true;
  }
  if (RangeAggregation* range = range_of(&expr); range && range->grouped && !range->without) {
    range->labels_read = range->grouping;
  }
  const auto* sum = expr.As<promql::AggregateExpr>();
  if (!sum || sum->op != promql::AggregateOp::kSum || sum->without) return;
  RangeAggregation* range = range_of(sum->operand.get());
  if (range && !range->grouped &&
      IsOneOf(range->op, {RangeOp::kCountOverTime, RangeOp::kRate, RangeOp::kBytesOverTime,
                          RangeOp::kBytesRate, RangeOp::kSumOverTime})) {
    range->labels_unused = sum->grouping.empty();
    if (!sum->grouping.empty()) range->labels_read = sum->grouping;
  }
}

}  // namespace

std::optional<size_t> FirstToken(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '#') {
      i = text.find('\n', i);
      if (i == std::string_view::npos) return std::nullopt;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else {
      return i;
    }
  }
  return std::nullopt;
}

absl::StatusOr<promql::ExprPtr> ParseMetric(std::string_view text, const Limits& limits) {
  absl::StatusOr<promql::ExprPtr> expr = promql::Parse(text, limits, LogqlDialect(limits));
  if (!expr.ok()) return expr;
  ForEachExpr(**expr, MarkLabelsUnused);
  promql::ValueType type = (*expr)->type();
  if (type != promql::ValueType::kVector && type != promql::ValueType::kScalar) {
    return ParseError(text, (*expr)->pos,
                      StrCat("a query must be a log query or return numbers, not a ",
                             promql::DocumentedName(type)));
  }
  return expr;
}

absl::StatusOr<int64_t> Parser::Duration(std::string_view text, size_t offset,
                                         std::string_view what) {
  absl::StatusOr<int64_t> nanos = ParseDuration(text);
  if (!nanos.ok()) {
    return ParseError(
        query_, offset,
        StrCat("invalid ", std::string(what), ": ", std::string(nanos.status().message())));
  }
  if (*nanos <= 0) {
    return ParseError(query_, offset, StrCat("the ", std::string(what), " must be positive"));
  }
  return nanos;
}

// range_aggregation := RANGE_OP '(' [NUMBER ','] log_range ')' [grouping]
// log_range := selector [unwrap] RANGE [offset] [filter* [unwrap]]
//            | '(' selector [unwrap] ')' RANGE [offset]
absl::StatusOr<std::unique_ptr<RangeAggregation>> Parser::RangeAggregationLeaf(size_t* end) {
  const Token& name_token = Peek();
  const std::string name = Next().text;
  auto expr = std::make_unique<RangeAggregation>();
  expr->op = *RangeOpFromName(name);  // The dialect only calls for range aggregations.
  if (absl::Status s = Expect(TokenKind::kLParen, StrCat("'(' after ", name)); !s.ok()) {
    return s;
  }
  if (Peek().kind == TokenKind::kDuration) {
    const Token& number = Next();
    absl::StatusOr<double> value = promql::ParseNumber(number.text);
    if (!value.ok()) return Error(number, StrCat("invalid parameter: ", number.text));
    if (expr->op != RangeOp::kQuantileOverTime) {
      return Error(number,
                   StrCat("parameter ", number.text, " not supported for operation ", name));
    }
    expr->parameter = *value;
    if (absl::Status s = Expect(TokenKind::kComma, "',' after the parameter"); !s.ok()) return s;
  } else if (expr->op == RangeOp::kQuantileOverTime) {
    return Expected("the quantile such as 0.99 (quantile_over_time(0.99, {...} | unwrap ...))",
                    Peek());
  }
  const bool parenthesised = Peek().kind == TokenKind::kLParen;
  if (parenthesised) Next();
  absl::StatusOr<LogSelector> selector = Selector();
  if (!selector.ok()) return selector.status();
  expr->selector = *std::move(selector);
  if (absl::Status s = UnwrapStage(expr.get()); !s.ok()) return s;
  if (parenthesised) {
    if (absl::Status s = Expect(TokenKind::kRParen, "')'"); !s.ok()) return s;
  }
  if (absl::Status s = RangeAndOffset(name, expr.get()); !s.ok()) return s;
  // Loki also takes the pipeline after the range: count_over_time({a="b"}[5m] |= "x").
  if (!parenthesised) {
    if (absl::Status s = PipelineStages(&expr->selector); !s.ok()) return s;
    if (absl::Status s = UnwrapStage(expr.get()); !s.ok()) return s;
  }
  if (absl::Status s = Expect(TokenKind::kRParen, StrCat("')' closing ", name, "(")); !s.ok()) {
    return s;
  }
  if (PeekIdent("by") || PeekIdent("without")) {
    if (absl::Status s = Grouping(expr.get()); !s.ok()) return s;
  }
  if (absl::Status s = Validate(name_token, *expr); !s.ok()) return s;
  if (Peek().kind != TokenKind::kEnd) return Expected(StrCat("the end of ", name), Peek());
  *end = Peek().offset;
  return expr;
}

// RANGE [offset DURATION]
absl::Status Parser::RangeAndOffset(const std::string& name, RangeAggregation* expr) {
  const Token& range = Peek();
  if (range.kind != TokenKind::kRange) {
    return Expected(StrCat("a range such as [5m] after the log selector of ", name), range);
  }
  Next();
  absl::StatusOr<int64_t> range_ns = Duration(range.text, range.offset + 1, "range");
  if (!range_ns.ok()) return range_ns.status();
  expr->range_ns = *range_ns;
  if (!PeekIdent("offset")) return absl::OkStatus();
  Next();
  const Token& offset = Next();
  if (offset.kind != TokenKind::kDuration) {
    return Expected("a duration such as 1h after 'offset'", offset);
  }
  absl::StatusOr<int64_t> offset_ns = Duration(offset.text, offset.offset, "offset");
  if (!offset_ns.ok()) return offset_ns.status();
  expr->modifiers.offset_ns = *offset_ns;
  return absl::OkStatus();
}

// unwrap := '|' 'unwrap' (IDENT | CONVERSION '(' IDENT ')') ('|' matcher)*
absl::Status Parser::UnwrapStage(RangeAggregation* expr) {
  if (Peek().kind != TokenKind::kPipe) return absl::OkStatus();
  const Token& pipe = Next();
  if (expr->unwrap) return Error(pipe, "a range aggregation takes one unwrap only");
  Next();  // unwrap: PipelineStages() stops at a pipe only before it.
  Unwrap& unwrap = expr->unwrap.emplace();
  const Token& label = Next();
  if (label.kind != TokenKind::kIdent) {
    return Expected("a label name, duration(label) or bytes(label) after unwrap", label);
  }
  unwrap.label = label.text;
  if (Peek().kind == TokenKind::kLParen) {
    if (label.text == "duration" || label.text == "duration_seconds") {
      unwrap.conversion = Unwrap::Conversion::kDuration;
    } else if (label.text == "bytes") {
      unwrap.conversion = Unwrap::Conversion::kBytes;
    } else {
      return Error(label, StrCat("unknown unwrap conversion '", label.text,
                                 "': use duration(label), duration_seconds(label) or "
                                 "bytes(label)"));
    }
    unwrap.conversion_name = label.text;
    Next();
    const Token& inner = Next();
    if (inner.kind != TokenKind::kIdent) return Expected("a label name", inner);
    unwrap.label = inner.text;
    if (absl::Status s = Expect(TokenKind::kRParen, "')'"); !s.ok()) return s;
  }
  while (Peek().kind == TokenKind::kPipe) {
    const Token& next = Next();
    if (PeekIdent("unwrap")) return Error(next, "a range aggregation takes one unwrap only");
    if (absl::Status s = Matcher(&unwrap.filters); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// grouping := ('by' | 'without') '(' (IDENT (',' IDENT)*)? ')'
absl::Status Parser::Grouping(RangeAggregation* expr) {
  const std::string keyword = Next().text;
  expr->grouped = true;
  expr->without = keyword == "without";
  if (absl::Status s = Expect(TokenKind::kLParen, StrCat("'(' after ", keyword)); !s.ok()) {
    return s;
  }
  if (Peek().kind == TokenKind::kRParen) {
    Next();
    return absl::OkStatus();
  }
  while (true) {
    const Token& label = Next();
    if (label.kind != TokenKind::kIdent) return Expected("a label name", label);
    expr->grouping.push_back(label.text);
    const Token& separator = Next();
    if (separator.kind == TokenKind::kRParen) return absl::OkStatus();
    if (separator.kind != TokenKind::kComma) {
      return Expected(StrCat("',' or ')' in the ", keyword, " list"), separator);
    }
  }
}

absl::Status Parser::Validate(const Token& name, const RangeAggregation& expr) const {
  using enum RangeOp;
  const std::string op(RangeOpName(expr.op));
  if (expr.grouped &&
      !IsOneOf(expr.op, {kAvgOverTime, kStddevOverTime, kStdvarOverTime, kQuantileOverTime,
                         kMaxOverTime, kMinOverTime, kFirstOverTime, kLastOverTime})) {
    return Error(name,
                 StrCat("grouping not allowed for ", op,
                        " aggregation: aggregate it instead, as in sum by (...) (", op, "(...))"));
  }
  if (expr.unwrap) {
    if (IsOneOf(expr.op, {kCountOverTime, kBytesOverTime, kBytesRate})) {
      return Error(name, StrCat("invalid aggregation ", op, " with unwrap"));
    }
  } else if (!IsOneOf(expr.op,
                      {kCountOverTime, kRate, kBytesOverTime, kBytesRate, kAbsentOverTime})) {
    return Error(name, StrCat("invalid aggregation ", op,
                              " without unwrap: add | unwrap <label> before the range"));
  }
  return absl::OkStatus();
}

}  // namespace vigie::logql::internal
