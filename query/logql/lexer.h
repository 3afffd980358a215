// Tokens of LogQL. Internal to the parser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::logql {

enum class TokenKind {
  kEnd,
  kLBrace,       // {
  kRBrace,       // }
  kLParen,       // (
  kRParen,       // )
  kComma,        // ,
  kEq,           // =
  kNe,           // !=  (a matcher or a line filter, by context)
  kRe,           // =~
  kNre,          // !~  (a matcher or a line filter, by context)
  kPipeEq,       // |=
  kPipeRe,       // |~
  kPipePattern,  // |>
  kNotPattern,   // !>
  kPipe,         // |   (a pipeline stage: | json, | status >= 500)
  kEqEq,         // ==
  kGt,           // >
  kGe,           // >=
  kLt,           // <
  kLe,           // <=
  kFlag,         // --strict: a stage's option; text is the word after the dashes
  kIdent,        // [a-zA-Z_][a-zA-Z0-9_]*
  kString,       // "..." or `...`; text is the decoded value
  kDuration,     // a word starting with a digit, such as 5m or 1h30m (validated by the parser)
  kRange,        // [5m]; text is what is between the brackets, trimmed
  kOther,        // any other character, kept so that the parser can say what it found
};

struct Token {
  TokenKind kind;
  size_t offset;         // Byte offset of the token in the query.
  std::string_view raw;  // The token as written (a view into the query).
  std::string text;      // Identifier, decoded string, duration or range text.
};

// Splits `query` into tokens, ending with a kEnd token. Whitespace and # comments (to the end of
// the line) separate tokens. Fails with a ParseError (see parse_error.h) on a malformed string
// or an unclosed range. The tokens' `raw` views point into `query`.
//
// From byte `from` on. With `one_call`, stops after the parenthesis that closes the first one
// opened and the `by (...)` or `without (...)` that may follow it: the end of a range
// aggregation inside a metric query, whose kEnd token sits right after it.
absl::StatusOr<std::vector<Token>> Tokenize(std::string_view query, size_t from = 0,
                                            bool one_call = false);

// How an error message names a token: 'by', '}', string "x", the end of the query.
std::string Describe(const Token& token);

}  // namespace vigie::logql
