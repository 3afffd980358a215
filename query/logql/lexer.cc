#include "query/logql/lexer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "query/logql/parse_error.h"
#include "query/logql/quote.h"

namespace vigie::logql {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }
// Digits with at most one dot, then e or E: what a signed exponent may follow.
bool IsDecimalMantissa(std::string_view s) {
  if (s.size() < 2 || absl::ascii_tolower(s.back()) != 'e') return false;
  s.remove_suffix(1);
  size_t dots = std::count(s.begin(), s.end(), '.');
  return dots <= 1 && s != "." &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c) || c == '.'; });
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

struct Operator {
  std::string_view text;
  TokenKind kind;
};
// Two-character operators first, so that "!=" is not read as "!" then "=".
constexpr Operator kOperators[] = {
    {"!=", TokenKind::kNe},          {"!~", TokenKind::kNre},        {"=~", TokenKind::kRe},
    {"|=", TokenKind::kPipeEq},      {"|~", TokenKind::kPipeRe},     {"==", TokenKind::kEqEq},
    {"|>", TokenKind::kPipePattern}, {"!>", TokenKind::kNotPattern}, {">=", TokenKind::kGe},
    {"<=", TokenKind::kLe},          {">", TokenKind::kGt},          {"<", TokenKind::kLt},
    {"=", TokenKind::kEq},           {"|", TokenKind::kPipe},        {"{", TokenKind::kLBrace},
    {"}", TokenKind::kRBrace},       {"(", TokenKind::kLParen},      {")", TokenKind::kRParen},
    {",", TokenKind::kComma},
};

// The operator or punctuation at the start of `rest`, setting *length; kOther with one whole
// UTF-8 character when there is none, so that an error message shows that character intact.
TokenKind ScanSymbol(std::string_view rest, size_t* length) {
  for (const Operator& op : kOperators) {
    if (rest.starts_with(op.text)) {
      *length = op.text.size();
      return op.kind;
    }
  }
  *length = 1;
  while (*length < rest.size() && (static_cast<unsigned char>(rest[*length]) & 0xC0) == 0x80) {
    ++*length;
  }
  return TokenKind::kOther;
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view query, size_t from, bool one_call) {
  std::vector<Token> tokens;
  size_t i = from;
  int depth = 0;
  auto skip_space = [&] {
    while (i < query.size() && (IsSpace(query[i]) || query[i] == '#')) {
      i = query[i] == '#' ? std::min(query.find('\n', i), query.size()) : i + 1;
    }
  };
  while (true) {
    if (one_call && !tokens.empty() && tokens.back().kind == TokenKind::kRParen && depth == 0) {
      // The call is closed; a grouping may follow it: f(...) by (a).
      size_t end = i;
      skip_space();
      std::string_view rest = query.substr(i);
      bool grouping =
          (rest.starts_with("by") && !rest.substr(2).empty() && !IsIdentChar(rest[2])) ||
          (rest.starts_with("without") && rest.size() > 7 && !IsIdentChar(rest[7]));
      if (!grouping) {
        tokens.push_back(Token{TokenKind::kEnd, end, {}, {}});
        return tokens;
      }
    }
    skip_space();
    if (i == query.size()) break;
    const size_t start = i;
    const char c = query[i];
    Token token{TokenKind::kOther, start, {}, {}};
    if (c == '"' || c == '`') {
      size_t pos;
      absl::StatusOr<std::string> value = Unquote(query.substr(i), &pos);
      if (!value.ok()) return ParseError(query, i + pos, std::string(value.status().message()));
      token.kind = TokenKind::kString;
      token.text = *std::move(value);
      i += pos;
    } else if (c == '[') {
      size_t close = query.find(']', i);
      if (close == std::string_view::npos) {
        return ParseError(query, i, "expected ']' to close the range that starts here");
      }
      token.kind = TokenKind::kRange;
      token.text = std::string(TrimSpace(query.substr(i + 1, close - i - 1)));
      i = close + 1;
    } else if (IsIdentStart(c)) {
      while (i < query.size() && IsIdentChar(query[i])) ++i;
      token.kind = TokenKind::kIdent;
      token.text = std::string(query.substr(start, i - start));
    } else if (query.substr(i, 2) == "--" && i + 2 < query.size() && IsIdentStart(query[i + 2])) {
      i += 2;
      while (i < query.size() && (IsIdentChar(query[i]) || query[i] == '-')) ++i;
      token.kind = TokenKind::kFlag;
      token.text = std::string(query.substr(start + 2, i - start - 2));
    } else if (absl::ascii_isdigit(c)) {
      // Numbers and durations: digits, units and dots (1.5h is rejected later, with
      // ParseDuration's reason), and the sign of a decimal exponent (1.5e+34, as Go scans it).
      while (i < query.size()) {
        if (IsIdentChar(query[i]) || query[i] == '.') {
          ++i;
        } else if (query.substr(i, 2) == "\xC2\xB5") {
          i += 2;
        } else if ((query[i] == '+' || query[i] == '-') && i + 1 < query.size() &&
                   absl::ascii_isdigit(query[i + 1]) &&
                   IsDecimalMantissa(query.substr(start, i - start))) {
          ++i;
        } else {
          break;
        }
      }
      token.kind = TokenKind::kDuration;
      token.text = std::string(query.substr(start, i - start));
    } else {
      size_t length;
      token.kind = ScanSymbol(query.substr(i), &length);
      i += length;
    }
    token.raw = query.substr(start, i - start);
    if (token.kind == TokenKind::kLParen) ++depth;
    if (token.kind == TokenKind::kRParen) --depth;
    tokens.push_back(std::move(token));
  }
  tokens.push_back(Token{TokenKind::kEnd, query.size(), {}, {}});
  return tokens;
}

std::string Describe(const Token& token) {
  constexpr size_t kMaxShown = 40;
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the query";
    case TokenKind::kString:
      return absl::StrCat("string ", token.text.size() > kMaxShown
                                         ? Quote(token.text.substr(0, kMaxShown)) + "..."
                                         : Quote(token.text));
    default:
      break;
  }
  std::string shown(token.raw.substr(0, kMaxShown));
  if (token.kind == TokenKind::kOther && !absl::ascii_isgraph(token.raw[0])) {
    return absl::StrCat("character ", Quote(shown));  // A control or non-ASCII character.
  }
  return absl::StrCat("'", shown, token.raw.size() > kMaxShown ? "...'" : "'");
}

}  // namespace vigie::logql
