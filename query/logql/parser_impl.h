// The LogQL parser's internals, shared by parser.cc (queries, selectors, filters) and
// parser_metric.cc (metric expressions). Internal to vigie_logql: use Parse() in parser.h.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "query/logql/label_filter.h"
#include "query/logql/lexer.h"
#include "query/logql/parse_error.h"
#include "query/logql/stages.h"

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
  // A line filter after its operator (consumed): its alternatives joined by 'or'.
  // parser_line_filter.cc.
  absl::StatusOr<LineFilterSpec> LineFilterAfter(FilterOp op, const Token& op_token);
  absl::StatusOr<FilterTerm> Alternative(FilterOp op, const Token& before);
  // The pipeline after a selector (or after a range): line filters and stages, appended to
  // selector->filter and selector->pipeline (see LogSelector).
  absl::Status PipelineStages(LogSelector* selector);
  // The stage after '|' (consumed). parser_pipeline.cc.
  absl::StatusOr<std::shared_ptr<const logql::Stage>> NextStage();
  // Stage parsers, called with the keyword consumed (kStageParsers in parser_pipeline.cc).
  absl::StatusOr<std::shared_ptr<const logql::Stage>> JsonStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> LogfmtStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> RegexpStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> UnpackStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> KeepStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> DropStage(const Token& keyword);
  // parser_format.cc: | line_format, | label_format, | decolorize, | pattern.
  absl::StatusOr<std::shared_ptr<const logql::Stage>> LineFormatStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> LabelFormatStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> DecolorizeStage(const Token& keyword);
  absl::StatusOr<std::shared_ptr<const logql::Stage>> PatternStage(const Token& keyword);
  // label="path", ... after | json or | logfmt.
  absl::StatusOr<std::vector<ExtractionExpr>> ExtractionExprs();
  // a, b="x", c=~"y" after | keep or | drop.
  absl::StatusOr<std::vector<LabelItem>> LabelItems(const Token& keyword);
  // Label filter expressions: | a >= 1 and (b = "x" or c > 1s).
  absl::StatusOr<std::unique_ptr<LabelFilterExpr>> LabelFilter(int depth);
  absl::StatusOr<std::unique_ptr<LabelFilterExpr>> LabelPredicate(int depth);
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
