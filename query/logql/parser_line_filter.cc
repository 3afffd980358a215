// Line filters with Loki's alternatives and ip() (docs/logql.md, "Line filters"):
//
//   line_filter = ( "|=" | "!=" | "|~" | "!~" | "|>" | "!>" ) term { "or" term }
//   term        = string | "ip" "(" string ")"
#include "common/strings.h"
#include "query/logql/parser_impl.h"

namespace vigie::logql::internal {

absl::StatusOr<LineFilterSpec> Parser::LineFilterAfter(FilterOp op, const Token& op_token) {
  absl::StatusOr<FilterTerm> first = Alternative(op, op_token);
  if (!first.ok()) return first.status();
  LineFilterSpec spec(op, std::move(first->pattern), first->ip);
  // 'or' joins alternatives only before a string or ip(...): otherwise it is the binary operator
  // of a metric query.
  while (PeekIdent("or") &&
         (tokens_[pos_ + 1].kind == TokenKind::kString ||
          (tokens_[pos_ + 1].kind == TokenKind::kIdent && tokens_[pos_ + 1].text == "ip"))) {
    const Token& or_token = Next();
    absl::StatusOr<FilterTerm> term = Alternative(op, or_token);
    if (!term.ok()) return term.status();
    spec.more.push_back(*std::move(term));
  }
  return spec;
}

// One alternative after `before` (the operator or 'or'), checked on its own so that an error
// points at it.
absl::StatusOr<FilterTerm> Parser::Alternative(FilterOp op, const Token& before) {
  FilterTerm term;
  const Token* value = &Next();
  if (value->kind == TokenKind::kIdent && value->text == "ip") {
    term.ip = true;
    if (absl::Status s = Expect(TokenKind::kLParen, "'(' after ip"); !s.ok()) return s;
    value = &Next();
    if (value->kind != TokenKind::kString) {
      return Expected("a string in ip(...), such as ip(\"10.0.0.0/8\")", *value);
    }
    if (absl::Status s = Expect(TokenKind::kRParen, "')' closing ip(...)"); !s.ok()) return s;
  } else if (value->kind != TokenKind::kString) {
    return Expected(StrCat("a string after \"", before.raw, "\""), *value);
  }
  term.pattern = value->text;
  absl::StatusOr<LineFilter> alone = LineFilter::Make({{op, term.pattern, term.ip}}, limits_);
  if (!alone.ok()) return Error(*value, std::string(alone.status().message()));
  return term;
}

}  // namespace vigie::logql::internal
