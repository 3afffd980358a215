// The inside of template actions: tokens, literals and numbers, and error positions.
#include "query/gotemplate/lex.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/logql/quote.h"

namespace vigie::gotemplate::internal {
namespace {

bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

}  // namespace

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Lexer::Lexer(std::string text, size_t preamble, bool variables)
    : full_(std::move(text)), text_(full_), preamble_(preamble), variables_(variables) {}

absl::Status Lexer::ErrorAt(size_t offset, std::string_view message) const {
  std::string_view text = text_.substr(preamble_);
  offset = std::min(offset >= preamble_ ? offset - preamble_ : 0, text.size());
  std::string_view before = text.substr(0, offset);
  size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  size_t line_start = before.rfind('\n');
  size_t col = 1 + offset - (line_start == std::string_view::npos ? 0 : line_start + 1);
  return absl::InvalidArgumentError(StrCat("template: line ", line, ", col ", col, ": ", message));
}

void Lexer::SkipSpace() {
  while (pos < text_.size() && IsSpace(text_[pos])) ++pos;
}

absl::Status Lexer::CloseComment(size_t open) {
  SkipSpace();
  if (text_.substr(pos, 3) == "-}}" && pos > 0 && IsSpace(text_[pos - 1])) {
    trim_next = true;
    pos += 3;
    return absl::OkStatus();
  }
  if (text_.substr(pos, 2) == "}}") {
    pos += 2;
    return absl::OkStatus();
  }
  return ErrorAt(open, "comment ends before the closing }}");
}

absl::StatusOr<std::vector<Token>> Lexer::Tokens(size_t open) {
  std::vector<Token> tokens;
  auto add = [&](TokenKind kind, size_t start, Value literal = {}) {
    tokens.push_back(
        {kind, start, std::string(text_.substr(start, pos - start)), std::move(literal)});
  };
  while (true) {
    SkipSpace();
    if (pos >= text_.size()) return ErrorAt(open, "unclosed action (missing }})");
    const size_t start = pos;
    const char c = text_[pos];
    if (text_.substr(pos, 2) == "}}" ||
        (text_.substr(pos, 3) == "-}}" && pos > 0 && IsSpace(text_[pos - 1]))) {
      trim_next = c == '-';
      pos += c == '-' ? 3 : 2;
      add(TokenKind::kEnd, start);
      return tokens;
    }
    if (c == '|' || c == '(' || c == ')' || c == ',' || c == '=') {
      ++pos;
      add(c == '|'   ? TokenKind::kPipe
          : c == '(' ? TokenKind::kLParen
          : c == ')' ? TokenKind::kRParen
          : c == ',' ? TokenKind::kComma
                     : TokenKind::kAssign,
          start);
    } else if (text_.substr(pos, 2) == ":=") {
      pos += 2;
      add(TokenKind::kDeclare, start);
    } else if (c == '"' || c == '`') {
      size_t length = 0;
      absl::StatusOr<std::string> s = logql::Unquote(text_.substr(pos), &length);
      if (!s.ok()) return ErrorAt(pos + length, std::string(s.status().message()));
      pos += length;
      add(TokenKind::kLiteral, start, Value::String(*std::move(s)));
    } else if (c == '.' && !(pos + 1 < text_.size() && absl::ascii_isdigit(text_[pos + 1]))) {
      ++pos;
      while (pos < text_.size() &&
             (IsWordChar(text_[pos]) ||
              (text_[pos] == '.' && pos + 1 < text_.size() && IsWordChar(text_[pos + 1])))) {
        ++pos;
      }
      add(pos - start == 1 ? TokenKind::kDot : TokenKind::kField, start);
    } else if (absl::ascii_isdigit(c) || c == '.' || c == '-' || c == '+') {
      absl::StatusOr<Value> number = Number();
      if (!number.ok()) return number.status();
      add(TokenKind::kLiteral, start, *std::move(number));
    } else if (c == '\'') {
      size_t close = text_.find('\'', pos + 1);
      if (close != pos + 2) {
        return ErrorAt(pos, "only one-byte character constants such as 'a' are supported");
      }
      pos += 3;
      add(TokenKind::kLiteral, start, Value::Int(text_[start + 1]));
    } else if (c == '$') {
      ++pos;
      while (pos < text_.size() && IsWordChar(text_[pos])) ++pos;
      if (!variables_) {
        return ErrorAt(start, StrCat("template variables such as ",
                                     text_.substr(start, pos - start), " are not supported"));
      }
      add(TokenKind::kVariable, start);
    } else if (IsWordChar(c)) {
      ++pos;
      while (pos < text_.size() && IsWordChar(text_[pos])) ++pos;
      add(TokenKind::kIdent, start);
    } else {
      return ErrorAt(pos, StrCat("unexpected character \"", text_.substr(pos, 1), "\" in action"));
    }
  }
}

absl::StatusOr<Value> Lexer::Number() {
  const size_t start = pos;
  if (text_[pos] == '+' || text_[pos] == '-') ++pos;
  bool is_float = false;
  int base = 10;
  if (text_.substr(pos, 2) == "0x" || text_.substr(pos, 2) == "0X") {
    base = 16;
    pos += 2;
    while (pos < text_.size() && absl::ascii_isxdigit(text_[pos])) ++pos;
  } else {
    while (pos < text_.size() && (absl::ascii_isdigit(text_[pos]) || text_[pos] == '.' ||
                                  text_[pos] == 'e' || text_[pos] == 'E' ||
                                  ((text_[pos] == '+' || text_[pos] == '-') &&
                                   (text_[pos - 1] == 'e' || text_[pos - 1] == 'E')))) {
      is_float = is_float || !absl::ascii_isdigit(text_[pos]);
      ++pos;
    }
  }
  std::string_view all = text_.substr(start, pos - start);
  std::string_view digits = all.substr(all[0] == '+' || all[0] == '-' ? 1 : 0);
  if (base == 16) digits.remove_prefix(2);
  const char* end = digits.data() + digits.size();
  if (!digits.empty() && !(pos < text_.size() && IsWordChar(text_[pos]))) {
    if (is_float) {
      double f = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), end, f);
      if (ec == std::errc() && ptr == end) return Value::Float(all[0] == '-' ? -f : f);
    } else {
      uint64_t u = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), end, u, base);
      if (ec == std::errc() && ptr == end && u <= uint64_t{INT64_MAX}) {
        int64_t v = static_cast<int64_t>(u);
        return Value::Int(all[0] == '-' ? -v : v);
      }
    }
  }
  return ErrorAt(start, StrCat("bad number syntax: \"", all, "\""));
}

}  // namespace vigie::gotemplate::internal
