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

absl::StatusOr<Query> Parser::Run() {
  Query query;
  if (Peek().kind == TokenKind::kLBrace) {
    absl::StatusOr<LogSelector> selector = Selector();
    if (!selector.ok()) return selector.status();
    if (Peek().kind == TokenKind::kRange) {
      return Error(Peek(),
                   "a range such as [5m] must be inside a function such as "
                   "count_over_time(...)");
    }
    query.log = *std::move(selector);
  } else if (Peek().kind == TokenKind::kLParen ||
             (Peek().kind == TokenKind::kIdent &&
              (RangeOpFromName(Peek().text) || VectorOpFromName(Peek().text) ||
               tokens_[pos_ + 1].kind == TokenKind::kLParen))) {
    absl::StatusOr<std::unique_ptr<MetricExpr>> metric = Metric(0);
    if (!metric.ok()) return metric.status();
    query.metric = *std::move(metric);
  } else {
    return Expected(
        "a stream selector such as {service=\"api\"} or a metric function such as "
        "count_over_time",
        Peek());
  }
  if (Peek().kind != TokenKind::kEnd) {
    bool operator_like = Peek().kind == TokenKind::kOther || Peek().kind == TokenKind::kEqEq ||
                         Peek().kind == TokenKind::kGt || Peek().kind == TokenKind::kGe ||
                         Peek().kind == TokenKind::kLt || Peek().kind == TokenKind::kLe ||
                         Peek().text == "and" || Peek().text == "or" || Peek().text == "unless";
    return Expected(operator_like ? "the end of the query (binary operators and comparisons "
                                    "are not supported)"
                                  : "the end of the query",
                    Peek());
  }
  return query;
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
    if (absl::Status s = Matcher(&selector); !s.ok()) return s;
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
absl::Status Parser::Matcher(LogSelector* selector) {
  const Token& name = Next();
  if (name.kind != TokenKind::kIdent) return Expected("a label name", name);
  const Token& op = Next();
  MatchType type;
  switch (op.kind) {
    case TokenKind::kEq:
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
      return Expected(absl::StrCat("'=', '!=', '=~' or '!~' after label name '", name.text, "'"),
                      op);
  }
  const Token& value = Next();
  if (value.kind != TokenKind::kString) {
    return Expected(absl::StrCat("a string after \"", std::string(op.raw), "\""), value);
  }
  absl::StatusOr<LabelMatcher> matcher = LabelMatcher::Make(name.text, type, value.text, limits_);
  if (!matcher.ok()) return Error(value, std::string(matcher.status().message()));
  selector->matchers.push_back(*std::move(matcher));
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<Query> Parse(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_query_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query is ", text.size(), " bytes long, more than the limit of ", limits.max_query_bytes));
  }
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  return internal::Parser(text, *std::move(tokens), limits).Run();
}

}  // namespace vigie::logql
