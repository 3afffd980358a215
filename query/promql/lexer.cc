#include "query/promql/lexer.h"

#include <algorithm>
#include <span>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "query/logql/quote.h"
#include "query/promql/literals.h"

namespace vigie::promql {
namespace {

enum class WordClass { kOperator, kAggregator, kKeyword, kPreprocessor };
struct Word {
  std::string_view name;
  WordClass cls;
};
constexpr Word kWords[] = {
    {"and", WordClass::kOperator},
    {"or", WordClass::kOperator},
    {"unless", WordClass::kOperator},
    {"atan2", WordClass::kOperator},
    {"sum", WordClass::kAggregator},
    {"avg", WordClass::kAggregator},
    {"count", WordClass::kAggregator},
    {"min", WordClass::kAggregator},
    {"max", WordClass::kAggregator},
    {"group", WordClass::kAggregator},
    {"stddev", WordClass::kAggregator},
    {"stdvar", WordClass::kAggregator},
    {"topk", WordClass::kAggregator},
    {"bottomk", WordClass::kAggregator},
    {"count_values", WordClass::kAggregator},
    {"quantile", WordClass::kAggregator},
    {"offset", WordClass::kKeyword},
    {"by", WordClass::kKeyword},
    {"without", WordClass::kKeyword},
    {"on", WordClass::kKeyword},
    {"ignoring", WordClass::kKeyword},
    {"group_left", WordClass::kKeyword},
    {"group_right", WordClass::kKeyword},
    {"bool", WordClass::kKeyword},
    {"start", WordClass::kPreprocessor},
    {"end", WordClass::kPreprocessor},
};

const Word* FindWord(std::string_view lower) {
  for (const Word& w : kWords) {
    if (w.name == lower) return &w;
  }
  return nullptr;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsAlpha(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsAlnum(char c) { return IsAlpha(c) || absl::ascii_isdigit(c); }

struct Symbol {
  std::string_view text;
  TokenKind kind;
};
// Outside braces. Two-character symbols first.
constexpr Symbol kSymbols[] = {
    {"==", TokenKind::kEqlc}, {"!=", TokenKind::kNe},    {"<=", TokenKind::kLte},
    {">=", TokenKind::kGte},  {"=", TokenKind::kAssign}, {"<", TokenKind::kLss},
    {">", TokenKind::kGtr},   {"+", TokenKind::kAdd},    {"-", TokenKind::kSub},
    {"*", TokenKind::kMul},   {"/", TokenKind::kDiv},    {"%", TokenKind::kMod},
    {"^", TokenKind::kPow},   {",", TokenKind::kComma},  {"@", TokenKind::kAt},
};
// Inside braces.
constexpr Symbol kBraceSymbols[] = {
    {"=~", TokenKind::kRe},    {"!~", TokenKind::kNre},  {"!=", TokenKind::kNe},
    {"=", TokenKind::kAssign}, {",", TokenKind::kComma}, {"}", TokenKind::kRBrace},
};

// The character at the start of `rest` as Go's %q shows a rune: 'x', '\x01', 'é'.
std::string QuoteChar(std::string_view rest) {
  if (rest.empty()) return "EOF";
  if (rest[0] == '"') return "'\"'";
  if (rest[0] == '\'') return "'\\''";
  size_t n = std::max<size_t>(Utf8SequenceLength(rest), 1);
  std::string quoted = logql::Quote(rest.substr(0, n));  // "x", with escapes.
  return StrCat("'", quoted.substr(1, quoted.size() - 2), "'");
}

class Lexer {
 public:
  Lexer(std::string_view query, size_t from, int paren_depth)
      : q_(query), i_(from), paren_depth_(paren_depth) {}

  std::vector<Token> Run() {
    while (tokens_.empty() ||
           (tokens_.back().kind != TokenKind::kEnd && tokens_.back().kind != TokenKind::kError)) {
      Step();
    }
    return std::move(tokens_);
  }

 private:
  void Emit(TokenKind kind, size_t start, size_t end, std::string text = {}) {
    tokens_.push_back(Token{kind, start, q_.substr(start, end - start), std::move(text)});
    i_ = end;
  }
  void Error(size_t at, std::string message) {
    tokens_.push_back(Token{TokenKind::kError, at, q_.substr(at, 0), std::move(message)});
  }
  char At(size_t i) const { return i < q_.size() ? q_[i] : '\0'; }

  void SkipSpaceAndComments() {
    while (i_ < q_.size() && (IsSpace(q_[i_]) || q_[i_] == '#')) {
      i_ = q_[i_] == '#' ? std::min(q_.find_first_of("\r\n", i_), q_.size()) : i_ + 1;
    }
  }

  // Prometheus's scanNumber: the end of the number starting at `i`, or npos when an
  // alphanumeric character follows it (then it may be a duration).
  size_t ScanNumber(size_t i) const {
    std::string_view digits = "0123456789";
    if (At(i) == '0' && (At(i + 1) == 'x' || At(i + 1) == 'X')) {
      digits = "0123456789abcdefABCDEF";
      i += 2;
    }
    auto run = [&](std::string_view set) {
      while (i < q_.size() && set.find(q_[i]) != std::string_view::npos) ++i;
    };
    run(digits);
    if (At(i) == '.') {
      ++i;
      run(digits);
    }
    if (At(i) == 'e' || At(i) == 'E') {
      ++i;
      if (At(i) == '+' || At(i) == '-') ++i;
      run("0123456789");
    }
    return IsAlnum(At(i)) ? std::string_view::npos : i;
  }

  // Prometheus's acceptRemainingDuration after the digits ending at `i`: unit letters and more
  // digit-unit pairs, then no alphanumeric character. The end of the duration, or npos.
  size_t ScanDurationRest(size_t i) const {
    auto accept = [&](std::string_view set) {
      if (i < q_.size() && set.find(q_[i]) != std::string_view::npos) {
        ++i;
        return true;
      }
      return false;
    };
    if (!accept("smhdwy")) return std::string_view::npos;
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
      }
      if (!accept("smhdw")) return std::string_view::npos;
      accept("s");
    }
    return IsAlnum(At(i)) ? std::string_view::npos : i;
  }

  size_t DigitsEnd(size_t i) const {
    while (i < q_.size() && (absl::ascii_isdigit(q_[i]) || q_[i] == '.')) ++i;
    return i;
  }
  size_t AlnumEnd(size_t i) const {
    while (i < q_.size() && (IsAlnum(q_[i]) || q_[i] == '.')) ++i;
    return i;
  }

  void NumberOrDuration() {
    const size_t start = i_;
    if (size_t end = ScanNumber(start); end != std::string_view::npos) {
      return Emit(TokenKind::kNumber, start, end);
    }
    if (size_t end = ScanDurationRest(DigitsEnd(start)); end != std::string_view::npos) {
      return Emit(TokenKind::kDuration, start, end);
    }
    Error(start, StrCat("bad number or duration syntax: \"",
                        q_.substr(start, AlnumEnd(start) - start), "\""));
  }

  // Right after '[': a duration must follow.
  void RangeStart() {
    SkipSpaceAndComments();
    const size_t start = i_;
    if (size_t end = ScanDurationRest(DigitsEnd(start));
        (absl::ascii_isdigit(At(start)) || At(start) == '.') && end != std::string_view::npos) {
      return Emit(TokenKind::kDuration, start, end);
    }
    if (ScanNumber(start) != std::string_view::npos) {
      return Error(start, "missing unit character in duration");
    }
    Error(start,
          StrCat("bad duration syntax: \"", q_.substr(start, AlnumEnd(start) - start), "\""));
  }

  void String() {
    size_t length;
    absl::StatusOr<std::string> value = Unquote(q_.substr(i_), &length);
    if (!value.ok()) return Error(i_ + length, std::string(value.status().message()));
    Emit(TokenKind::kString, i_, i_ + length, *std::move(value));
  }

  void Word() {
    const size_t start = i_;
    size_t end = start;
    bool colon = false;
    while (end < q_.size() && (IsAlnum(q_[end]) || (!brace_open_ && q_[end] == ':'))) {
      colon = colon || q_[end] == ':';
      ++end;
    }
    if (brace_open_) return Emit(TokenKind::kIdent, start, end);
    std::string lower = absl::AsciiStrToLower(std::string(q_.substr(start, end - start)));
    if (lower == "inf" || lower == "nan") return Emit(TokenKind::kNumber, start, end);
    if (FindWord(lower)) return Emit(TokenKind::kIdent, start, end, std::move(lower));
    Emit(colon ? TokenKind::kMetricIdent : TokenKind::kIdent, start, end);
  }

  bool Symbols(std::span<const Symbol> table) {
    for (const Symbol& s : table) {
      if (q_.substr(i_).starts_with(s.text)) {
        Emit(s.kind, i_, i_ + s.text.size());
        return true;
      }
    }
    return false;
  }

  void InsideBraces() {
    const char c = q_[i_];
    if (c == '"' || c == '\'' || c == '`') return String();
    if (IsAlpha(c)) return Word();
    if (Symbols(kBraceSymbols)) {
      if (tokens_.back().kind == TokenKind::kRBrace) brace_open_ = false;
      return;
    }
    if (c == '!') {
      return Error(i_, StrCat("unexpected character after '!' inside braces: ",
                              QuoteChar(q_.substr(i_ + 1))));
    }
    if (c == '{') return Error(i_, "unexpected left brace '{'");
    Error(i_, StrCat("unexpected character inside braces: ", QuoteChar(q_.substr(i_))));
  }

  void Step() {
    SkipSpaceAndComments();
    if (i_ >= q_.size()) {
      if (brace_open_) return Error(i_, "unexpected end of input inside braces");
      if (paren_depth_ > 0) return Error(i_, "unclosed left parenthesis");
      if (bracket_open_) return Error(i_, "unclosed left bracket");
      return Emit(TokenKind::kEnd, i_, i_);
    }
    if (brace_open_) return InsideBraces();
    const char c = q_[i_];
    switch (c) {
      case '(':
        ++paren_depth_;
        return Emit(TokenKind::kLParen, i_, i_ + 1);
      case ')':
        if (--paren_depth_ < 0) return Error(i_, "unexpected right parenthesis ')'");
        return Emit(TokenKind::kRParen, i_, i_ + 1);
      case '{':
        brace_open_ = true;
        return Emit(TokenKind::kLBrace, i_, i_ + 1);
      case '[':
        if (bracket_open_) return Error(i_, "unexpected left bracket '['");
        bracket_open_ = true;
        got_colon_ = false;
        Emit(TokenKind::kLBracket, i_, i_ + 1);
        return RangeStart();
      case ']':
        if (!bracket_open_) return Error(i_, "unexpected right bracket ']'");
        bracket_open_ = false;
        return Emit(TokenKind::kRBracket, i_, i_ + 1);
      case ':':
        if (!bracket_open_) break;
        if (got_colon_) return Error(i_, "unexpected colon ':'");
        got_colon_ = true;
        return Emit(TokenKind::kColon, i_, i_ + 1);
      case '"':
      case '\'':
      case '`':
        return String();
      case '=':
        if (At(i_ + 1) == '~') return Error(i_, "unexpected character after '=': '~'");
        break;
      case '!':
        if (At(i_ + 1) != '=') {
          return Error(i_,
                       StrCat("unexpected character after '!': ", QuoteChar(q_.substr(i_ + 1))));
        }
        break;
      default:
        break;
    }
    if (absl::ascii_isdigit(c) || (c == '.' && absl::ascii_isdigit(At(i_ + 1)))) {
      return NumberOrDuration();
    }
    if (IsAlpha(c) || c == ':') return Word();
    if (Symbols(kSymbols)) return;
    Error(i_, StrCat("unexpected character: ", QuoteChar(q_.substr(i_))));
  }

  std::string_view q_;
  size_t i_ = 0;
  std::vector<Token> tokens_;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view query) { return Lexer(query, 0, 0).Run(); }

std::vector<Token> Tokenize(std::string_view query, size_t from, int paren_depth) {
  return Lexer(query, from, paren_depth).Run();
}

std::string Describe(const Token& token) {
  constexpr size_t kMaxShown = 40;
  std::string_view raw = token.raw.substr(0, kMaxShown);
  std::string_view more = token.raw.size() > kMaxShown ? "..." : "";
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kError:
      return token.text;
    case TokenKind::kIdent:
      if (const Word* w = FindWord(token.text)) {
        switch (w->cls) {
          case WordClass::kOperator:
            return StrCat("<op:", w->name, ">");
          case WordClass::kAggregator:
            return StrCat("<aggr:", w->name, ">");
          case WordClass::kKeyword:
            return StrCat("<", w->name, ">");
          case WordClass::kPreprocessor:
            return StrCat("\"", w->name, "\"");
        }
      }
      return StrCat("identifier \"", raw, more, "\"");
    case TokenKind::kMetricIdent:
      return StrCat("metric identifier \"", raw, more, "\"");
    case TokenKind::kNumber:
      return StrCat("number \"", raw, more, "\"");
    case TokenKind::kDuration:
      return StrCat("duration \"", raw, more, "\"");
    case TokenKind::kString: {
      std::string shown = EscapeForMessage(token.text, kMaxShown);
      return StrCat("string \"", shown, "\"");
    }
    case TokenKind::kAdd:
    case TokenKind::kSub:
    case TokenKind::kMul:
    case TokenKind::kDiv:
    case TokenKind::kMod:
    case TokenKind::kPow:
    case TokenKind::kEqlc:
    case TokenKind::kNe:
    case TokenKind::kGtr:
    case TokenKind::kLss:
    case TokenKind::kGte:
    case TokenKind::kLte:
    case TokenKind::kRe:
    case TokenKind::kNre:
    case TokenKind::kAt:
      return StrCat("<op:", raw, ">");
    default:
      return StrCat("\"", raw, "\"");
  }
}

}  // namespace vigie::promql
