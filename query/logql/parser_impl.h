// The LogQL parser's internals, shared by parser.cc (queries, selectors, filters) and
// parser_metric.cc (metric expressions). Internal to vigie_logql: use Parse() in parser.h.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "query/logql/lexer.h"
#include "query/logql/parse_error.h"

namespace vigie::logql::internal {

// Deeper nesting of aggregations and parentheses is refused: it bounds the recursion.
inline constexpr int kMaxNesting = 32;

// A recursive-descent parser over the tokens of one query. Each method consumes one construct
// of the grammar in docs/logql.md and reports the first error with its position.
class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens, const Limits& limits)
      : query_(query), tokens_(std::move(tokens)), limits_(limits) {}

  // Parses the whole query (and fails if anything follows it).
  absl::StatusOr<Query> Run();

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ + 1 < tokens_.size() ? pos_++ : pos_]; }
  bool PeekIdent(std::string_view word) const {
    return Peek().kind == TokenKind::kIdent && Peek().text == word;
  }

  // A parse error at `at`: "<message>", or "expected <what>, found <at>".
  absl::Status Error(const Token& at, std::string_view message) const;
  absl::Status Expected(std::string_view what, const Token& found) const;
  // Consumes a token of `kind`, or fails naming `what` was expected.
  absl::Status Expect(TokenKind kind, std::string_view what);

  absl::StatusOr<LogSelector> Selector();
  absl::Status Matcher(LogSelector* selector);
  absl::Status Filters(LineFilter* filter);
  absl::StatusOr<FilterTerm> Alternative(FilterOp op, const Token& before);
  // The duration in `text`, written at `offset`; `what` names it in errors ("range").
  absl::StatusOr<int64_t> Duration(std::string_view text, size_t offset, std::string_view what);
  absl::StatusOr<std::unique_ptr<MetricExpr>> Metric(int depth);
  absl::StatusOr<std::unique_ptr<MetricExpr>> RangeAggregation(RangeOp op);
  absl::StatusOr<std::unique_ptr<MetricExpr>> VectorAggregation(VectorOp op, int depth);
  absl::Status Grouping(MetricExpr* expr);

  std::string_view query_;
  std::vector<Token> tokens_;  // Ends with kEnd, where Next() stays.
  size_t pos_ = 0;
  const Limits& limits_;
};

}  // namespace vigie::logql::internal
