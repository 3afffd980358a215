// Tokens of PromQL, split as Prometheus 2.42's lexer splits them. Internal to the parser (and to
// the reader of test scripts, tests/promql/script.h, which reads series the same way).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::promql {

enum class TokenKind {
  kEnd,
  kError,  // A lexical error; `text` is the message. It ends the token list.
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,  // =   (in a label matcher)
  kNe,      // !=  (a matcher or a comparison, by context)
  kRe,      // =~
  kNre,     // !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,
  kGtr,
  kLss,
  kGte,
  kLte,
  kIdent,        // [a-zA-Z_][a-zA-Z0-9_]*, keywords included (see `keyword`)
  kMetricIdent,  // an identifier with a colon: job:requests:rate5m
  kNumber,       // 1, .5, 1e3, 0x1f, Inf, NaN
  kDuration,     // 5m, 1h30m (validated by the parser)
  kString,       // "...", '...' or `...`; `text` is the decoded value
};

struct Token {
  TokenKind kind;
  size_t offset;         // Byte offset of the token in the query.
  std::string_view raw;  // The token as written (a view into the query).
  // kString: the decoded value. kError: the message. kIdent outside braces: the keyword in
  // lower case when the identifier is one (by, sum, and, offset, ...), else empty.
  std::string text;

  bool IsKeyword(std::string_view word) const { return kind == TokenKind::kIdent && text == word; }
};

// Splits `query` into tokens ending with kEnd, or with kError at the first lexical error (an
// unterminated string, an unexpected character, an unclosed parenthesis...). Whitespace and
// # comments separate tokens. The tokens' `raw` views point into `query`.
std::vector<Token> Tokenize(std::string_view query);
// The same from byte `from` on, inside `paren_depth` open parentheses: how the parser goes on
// after a leaf that another language's parser read (parser.h, Dialect).
std::vector<Token> Tokenize(std::string_view query, size_t from, int paren_depth);

// How Prometheus's messages name a token: identifier "foo", number "5", "(", <op:+>, <by>,
// <aggr:sum>, end of input.
std::string Describe(const Token& token);

}  // namespace vigie::promql
