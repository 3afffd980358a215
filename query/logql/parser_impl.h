// The LogQL parser's internals, shared by parser.cc (queries, selectors, filters) and
// parser_metric.cc (range aggregations, the leaves of metric queries, whose operators the PromQL
// parser reads). Internal to vigie_logql: use Parse() in parser.h.
#pragma once

#include <memory>
#include <optional>
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

// The matcher a token stands for (= != =~ !~), if any. parser_pipeline.cc.
std::optional<MatchType> MatcherOp(TokenKind kind);

// Deeper nesting of label filter parentheses is refused: it bounds the recursion.
inline constexpr int kMaxNesting = 32;

// A recursive-descent parser over the tokens of one query. Each method consumes one construct
// of the grammar in docs/logql.md and reports the first error with its position.
class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens, const Limits& limits)
      : query_(query), tokens_(std::move(tokens)), limits_(limits) {}

  // Parses the whole log query (and fails if anything follows it).
  absl::StatusOr<LogSelector> LogQuery();
  // Parses the range aggregation that the tokens hold (from Tokenize(..., one_call = true)),
  // and sets *end to the byte after it.
  absl::StatusOr<std::unique_ptr<RangeAggregation>> RangeAggregationLeaf(size_t* end);

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
  absl::Status Matcher(std::vector<LabelMatcher>* matchers);
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
  absl::Status RangeAndOffset(const std::string& name, RangeAggregation* expr);
  absl::Status UnwrapStage(RangeAggregation* expr);
  absl::Status Grouping(RangeAggregation* expr);
  // Loki's rules on which functions take an unwrap, a grouping and a parameter.
  absl::Status Validate(const Token& name, const RangeAggregation& expr) const;

  std::string_view query_;
  std::vector<Token> tokens_;  // Ends with kEnd, where Next() stays.
  size_t pos_ = 0;
  const Limits& limits_;
};

// The offset of the first token of `text` (after spaces and comments), or nullopt when there is
// none. A query starting with '{' is a log query; anything else is read as a metric query.
std::optional<size_t> FirstToken(std::string_view text);

// A metric query: PromQL's operator layer over LogQL range aggregations (parser_metric.cc).
absl::StatusOr<promql::ExprPtr> ParseMetric(std::string_view text, const Limits& limits);

}  // namespace vigie::logql::internal
