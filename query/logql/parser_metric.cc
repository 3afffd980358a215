// Metric expressions: range aggregations over a log selector and vector aggregations over them.
#include "absl/strings/str_cat.h"
#include "common/time.h"
#include "query/logql/parser_impl.h"

namespace vigie::logql::internal {

absl::StatusOr<int64_t> Parser::Duration(std::string_view text, size_t offset,
                                         std::string_view what) {
  absl::StatusOr<int64_t> nanos = ParseDuration(text);
  if (!nanos.ok()) {
    return ParseError(
        query_, offset,
        absl::StrCat("invalid ", std::string(what), ": ", std::string(nanos.status().message())));
  }
  if (*nanos <= 0) {
    return ParseError(query_, offset, absl::StrCat("the ", std::string(what), " must be positive"));
  }
  return nanos;
}

// metric := range_aggregation | vector_aggregation | '(' metric ')'
absl::StatusOr<std::unique_ptr<MetricExpr>> Parser::Metric(int depth) {
  const Token& start = Peek();
  if (depth >= kMaxNesting) {
    return Error(start, absl::StrCat("the expression is nested too deeply (more than ", kMaxNesting,
                                     " levels)"));
  }
  if (start.kind == TokenKind::kLParen) {
    Next();
    absl::StatusOr<std::unique_ptr<MetricExpr>> inner = Metric(depth + 1);
    if (!inner.ok()) return inner;
    if (absl::Status s = Expect(TokenKind::kRParen, "')'"); !s.ok()) return s;
    return inner;
  }
  if (start.kind == TokenKind::kIdent) {
    if (std::optional<RangeOp> op = RangeOpFromName(start.text)) return RangeAggregation(*op);
    if (std::optional<VectorOp> op = VectorOpFromName(start.text)) {
      return VectorAggregation(*op, depth);
    }
    return Error(start, absl::StrCat("unknown or unsupported function '", start.text,
                                     "': supported are count_over_time, rate, bytes_over_time, "
                                     "bytes_rate, sum, count, max, min and avg"));
  }
  return Expected("a metric expression such as count_over_time({...}[5m])", start);
}

// range_aggregation := RANGE_OP '(' selector RANGE offset? filter* ')'
//                    | RANGE_OP '(' '(' selector ')' RANGE offset? ')'
// offset := 'offset' DURATION
absl::StatusOr<std::unique_ptr<MetricExpr>> Parser::RangeAggregation(RangeOp op) {
  const std::string name = Next().text;
  if (absl::Status s = Expect(TokenKind::kLParen, absl::StrCat("'(' after ", name)); !s.ok()) {
    return s;
  }
  auto expr = std::make_unique<MetricExpr>();
  expr->kind = MetricExpr::Kind::kRange;
  expr->range_op = op;
  bool parenthesised = Peek().kind == TokenKind::kLParen;
  if (parenthesised) Next();
  absl::StatusOr<LogSelector> selector = Selector();
  if (!selector.ok()) return selector.status();
  expr->selector = *std::move(selector);
  if (parenthesised) {
    if (absl::Status s = Expect(TokenKind::kRParen, "')'"); !s.ok()) return s;
  }
  const Token& range = Peek();
  if (range.kind != TokenKind::kRange) {
    return Expected(absl::StrCat("a range such as [5m] after the log selector of ", name), range);
  }
  Next();
  absl::StatusOr<int64_t> range_ns = Duration(range.text, range.offset + 1, "range");
  if (!range_ns.ok()) return range_ns.status();
  expr->range_ns = *range_ns;
  if (PeekIdent("offset")) {
    Next();
    const Token& offset = Next();
    if (offset.kind != TokenKind::kDuration) {
      return Expected("a duration such as 1h after 'offset'", offset);
    }
    absl::StatusOr<int64_t> offset_ns = Duration(offset.text, offset.offset, "offset");
    if (!offset_ns.ok()) return offset_ns.status();
    expr->offset_ns = *offset_ns;
  }
  // Loki also takes the line filters after the range: count_over_time({a="b"}[5m] |= "x").
  if (!parenthesised) {
    if (absl::Status s = PipelineStages(&expr->selector); !s.ok()) return s;
  }
  if (absl::Status s = Expect(TokenKind::kRParen, absl::StrCat("')' closing ", name, "("));
      !s.ok()) {
    return s;
  }
  return expr;
}

// vector_aggregation := VECTOR_OP grouping? '(' metric ')' grouping?
absl::StatusOr<std::unique_ptr<MetricExpr>> Parser::VectorAggregation(VectorOp op, int depth) {
  const std::string name = Next().text;
  auto expr = std::make_unique<MetricExpr>();
  expr->kind = MetricExpr::Kind::kVectorAggregation;
  expr->vector_op = op;
  bool grouped = PeekIdent("by") || PeekIdent("without");
  if (grouped) {
    if (absl::Status s = Grouping(expr.get()); !s.ok()) return s;
  }
  if (absl::Status s = Expect(TokenKind::kLParen, absl::StrCat("'(' after ", name)); !s.ok()) {
    return s;
  }
  if (Peek().kind == TokenKind::kLBrace) {
    return Expected(absl::StrCat("a metric expression such as count_over_time({...}[5m]) inside ",
                                 name, "(...); a log selector cannot be aggregated directly"),
                    Peek());
  }
  absl::StatusOr<std::unique_ptr<MetricExpr>> inner = Metric(depth + 1);
  if (!inner.ok()) return inner.status();
  expr->inner = *std::move(inner);
  if (absl::Status s = Expect(TokenKind::kRParen, absl::StrCat("')' closing ", name, "("));
      !s.ok()) {
    return s;
  }
  if (PeekIdent("by") || PeekIdent("without")) {
    if (grouped)
      return Error(Peek(), "the grouping is given twice (before and after the argument)");
    if (absl::Status s = Grouping(expr.get()); !s.ok()) return s;
  }
  return expr;
}

// grouping := ('by' | 'without') '(' (IDENT (',' IDENT)*)? ')'
absl::Status Parser::Grouping(MetricExpr* expr) {
  const std::string keyword = Next().text;
  expr->without = keyword == "without";
  if (absl::Status s = Expect(TokenKind::kLParen, absl::StrCat("'(' after ", keyword)); !s.ok()) {
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
      return Expected(absl::StrCat("',' or ')' in the ", keyword, " list"), separator);
    }
  }
}

}  // namespace vigie::logql::internal
