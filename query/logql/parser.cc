#include "query/logql/parser.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "query/logql/parser_impl.h"

namespace vigie::logql {
namespace internal {
namespace {

constexpr char kEmptyCompatible[] =
    "queries require at least one regexp or equality matcher that does not have an "
    "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

}  // namespace

absl::Status Parser::Error(const Token& at, std::string_view message) const {
  return ParseError(query_, at.offset, message);
}

absl::Status Parser::Expected(std::string_view what, const Token& found) const {
  return Error(found, absl::StrCat("expected ", std::string(what), ", found ", Describe(found)));
}

absl::Status Parser::Expect(TokenKind kind, std::string_view what) {
  if (Peek().kind != kind) return Expected(what, Peek());
  Next();
  return absl::OkStatus();
}

absl::StatusOr<LogSelector> Parser::LogQuery() {
  absl::StatusOr<LogSelector> selector = Selector();
  if (!selector.ok()) return selector.status();
  if (Peek().kind == TokenKind::kRange) {
    return Error(Peek(),
                 "a range such as [5m] must be inside a function such as "
                 "count_over_time(...)");
  }
  if (Peek().kind != TokenKind::kEnd) {
    return Expected(
        "the end of the log query (operators apply to metric queries such as "
        "count_over_time({...}[5m]) > 10)",
        Peek());
  }
  return selector;
}

// selector := '{' matcher (',' matcher)* '}' filter*
absl::StatusOr<LogSelector> Parser::Selector() {
  const Token& open = Peek();
  if (absl::Status s = Expect(TokenKind::kLBrace, "'{' opening a stream selector"); !s.ok()) {
    return s;
  }
  if (Peek().kind == TokenKind::kRBrace) {
    return Expected("a label matcher such as service=\"api\" (a stream selector needs one)",
                    Peek());
  }
  LogSelector selector;
  while (true) {
    if (absl::Status s = Matcher(&selector.matchers); !s.ok()) return s;
    if (Peek().kind != TokenKind::kComma) break;
    Next();
  }
  if (absl::Status s = Expect(TokenKind::kRBrace, "',' or '}' after a label matcher"); !s.ok()) {
    return s;
  }
  bool all_empty = true;
  for (const LabelMatcher& m : selector.matchers) all_empty = all_empty && m.MatchesEmpty();
  if (all_empty) return Error(open, kEmptyCompatible);
  if (absl::Status s = PipelineStages(&selector); !s.ok()) return s;
  return selector;
}

// matcher := IDENT ('=' | '!=' | '=~' | '!~') STRING
absl::Status Parser::Matcher(std::vector<LabelMatcher>* matchers) {
  const Token& name = Next();
  if (name.kind != TokenKind::kIdent) return Expected("a label name", name);
  const Token& op = Next();
  std::optional<MatchType> type = MatcherOp(op.kind);
  if (!type) {
    return Expected(absl::StrCat("'=', '!=', '=~' or '!~' after label name '", name.text, "'"), op);
  }
  const Token& value = Next();
  if (value.kind != TokenKind::kString) {
    return Expected(absl::StrCat("a string after \"", std::string(op.raw), "\""), value);
  }
  absl::StatusOr<LabelMatcher> matcher = LabelMatcher::Make(name.text, *type, value.text, limits_);
  if (!matcher.ok()) return Error(value, std::string(matcher.status().message()));
  matchers->push_back(*std::move(matcher));
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<Query> Parse(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_query_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query is ", text.size(), " bytes long, more than the limit of ", limits.max_query_bytes));
  }
  Query query;
  if (std::optional<size_t> start = internal::FirstToken(text); !start) {
    return ParseError(text, text.size(),
                      "expected a stream selector such as {service=\"api\"} or a metric query "
                      "such as count_over_time({service=\"api\"}[5m]), found the end of the query");
  } else if (text[*start] != '{') {
    absl::StatusOr<promql::ExprPtr> metric = internal::ParseMetric(text, limits);
    if (!metric.ok()) return metric.status();
    query.metric = *std::move(metric);
    return query;
  }
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  absl::StatusOr<LogSelector> log = internal::Parser(text, *std::move(tokens), limits).LogQuery();
  if (!log.ok()) return log.status();
  query.log = *std::move(log);
  return query;
}

}  // namespace vigie::logql
