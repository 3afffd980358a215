// The lexer of templates: the inside of each {{ ... }} action as tokens, and the positions of
// parse errors. Internal to vigie_gotemplate (parse.cc reads the text between actions itself).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/gotemplate/value.h"

namespace vigie::gotemplate::internal {

enum class TokenKind {
  kField,     // .a.b
  kDot,       // .
  kVariable,  // $x or $
  kIdent,     // a function or keyword
  kLiteral,   // "s", `s`, 1, 1.5, 'c'
  kDeclare,   // :=
  kAssign,    // =
  kComma,
  kPipe,
  kLParen,
  kRParen,
  kEnd,  // }}
};

struct Token {
  TokenKind kind;
  size_t offset;
  std::string text;  // As written.
  Value literal;     // kLiteral.
};

// Go's space in templates: ' ', '\t', '\r', '\n'.
bool IsSpace(char c);

class Lexer {
 public:
  // `text` is the preamble (its first `preamble` bytes), then the user's text. Without
  // `variables`, a $ is an error that says variables are not supported.
  Lexer(std::string text, size_t preamble, bool variables);
  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  std::string_view text() const { return text_; }

  // "template: line L, col C: <message>", pointing at byte `offset` of text() counted in the
  // user's text (after the preamble).
  absl::Status ErrorAt(size_t offset, std::string_view message) const;
  void SkipSpace();
  // Consumes " -}}" or "}}" after a comment whose action began at `open`.
  absl::Status CloseComment(size_t open);
  // The tokens of the action whose content starts at `pos` and whose "{{" is at `open`, ending
  // with kEnd at its "}}"; `pos` is then after it.
  absl::StatusOr<std::vector<Token>> Tokens(size_t open);

  size_t pos = 0;          // The next byte to read.
  bool trim_next = false;  // The last action ended with " -}}".

 private:
  // A number at pos: [+-] then decimal digits with an optional fraction and exponent, or 0x hex.
  absl::StatusOr<Value> Number();

  std::string full_;
  std::string_view text_;  // full_.
  size_t preamble_;
  bool variables_;
};

}  // namespace vigie::gotemplate::internal
