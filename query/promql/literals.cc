#include "query/promql/literals.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "common/go_format.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"
#include "query/logql/quote.h"

namespace vigie::promql {
namespace {

// Go's strconv.ParseInt(text, 0, 64) for the unsigned forms the lexer produces: 0x hex, octal
// with a leading 0, decimal. False on a bad digit or overflow.
bool ParseGoInt(std::string_view text, int64_t* out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    int d = HexValue(c);
    if (d < 0 || d >= base) return false;
    if (value > (uint64_t{INT64_MAX} - d) / base) return false;
    value = value * base + d;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

struct Unit {
  std::string_view name;
  int64_t millis;
};
// In the order Prometheus requires them.
constexpr Unit kUnits[] = {
    {"y", 365LL * 86400 * 1000},
    {"w", 7LL * 86400 * 1000},
    {"d", 86400LL * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
};

absl::StatusOr<std::string> UnquoteRaw(std::string_view text, size_t* pos) {
  size_t close = text.find('`', 1);
  if (close == std::string_view::npos) {
    *pos = 0;
    return absl::InvalidArgumentError("unterminated raw string");
  }
  *pos = close + 1;
  return std::string(text.substr(1, close - 1));
}

// Single quotes take the escapes of double quotes, with \' instead of \". The text between
// the quote characters (', \' and ") is decoded as a double-quoted string would be.
absl::StatusOr<std::string> UnquoteSingle(std::string_view text, size_t* pos) {
  std::string out;
  size_t segment = 1;
  auto flush = [&](size_t end) -> absl::Status {
    std::string piece = StrCat("\"", text.substr(segment, end - segment), "\"");
    size_t at;
    absl::StatusOr<std::string> value = logql::Unquote(piece, &at);
    if (!value.ok()) {
      *pos = segment - 1 + at;
      return value.status();
    }
    out += *value;
    return absl::OkStatus();
  };
  for (size_t i = 1; i < text.size();) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\n') {
      *pos = i;
      return absl::InvalidArgumentError(
          "newline in a quoted string (write \\n, or use a `raw` string)");
    }
    if (c == '\\' && next == '"') {
      *pos = i;
      return absl::InvalidArgumentError(
          "unknown escape sequence \"\\\"\" in a single-quoted string (write \" alone)");
    }
    const bool quote_char = c == '\'' || c == '"' || (c == '\\' && next == '\'');
    if (!quote_char) {
      i += c == '\\' ? 2 : 1;
      continue;
    }
    if (absl::Status s = flush(i); !s.ok()) return s;
    if (c == '\'') {
      *pos = i + 1;
      return out;
    }
    out.push_back(c == '"' ? '"' : '\'');
    i += c == '"' ? 1 : 2;
    segment = i;
  }
  *pos = 0;
  return absl::InvalidArgumentError("unterminated string: no closing '");
}

}  // namespace

absl::StatusOr<double> ParseNumber(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "inf") return std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  int64_t integer;
  if (ParseGoInt(text, &integer)) return static_cast<double>(integer);
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(StrCat("error parsing number \"", text, "\": ", why));
  };
  if (text.empty() || (!absl::ascii_isdigit(text[0]) && text[0] != '.')) {
    return invalid("invalid syntax");
  }
  double value;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return invalid("invalid syntax");
  }
  if (ec == std::errc::result_out_of_range) {
    value = std::strtod(std::string(text).c_str(), nullptr);  // 0 or a denormal on underflow.
    if (std::isinf(value)) return invalid("value out of range");
  }
  return value;
}

std::string FormatNumber(double value) { return FormatGoFloat(value); }

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  auto invalid = [&]() {
    return absl::InvalidArgumentError(StrCat("not a valid duration string: \"", text, "\""));
  };
  if (text.empty()) return invalid();
  int64_t total_ms = 0;
  size_t next_unit = 0;  // Units must come in kUnits' order, each at most once.
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
    size_t letters = digits;
    while (letters < rest.size() && absl::ascii_isalpha(rest[letters])) ++letters;
    std::string_view unit = rest.substr(digits, letters - digits);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (digits == 0 || u == std::size(kUnits)) return invalid();
    int64_t n;
    if (!vigie::ParseNumber(rest.substr(0, digits), &n) ||
        n > INT64_MAX / 1'000'000 / kUnits[u].millis ||
        total_ms > INT64_MAX / 1'000'000 - n * kUnits[u].millis) {
      return absl::InvalidArgumentError("duration out of range");
    }
    total_ms += n * kUnits[u].millis;
    next_unit = u + 1;
    rest.remove_prefix(letters);
  }
  return total_ms * kNanosPerMilli;
}

std::string FormatDuration(int64_t nanos) {
  std::string out;
  if (nanos < 0) {
    out = "-";
    nanos = -nanos;
  }
  int64_t ms = nanos / kNanosPerMilli;
  if (ms == 0) return "0s";
  for (const Unit& unit : kUnits) {
    bool exact_only = unit.name == "y" || unit.name == "w";
    if (ms >= unit.millis && (!exact_only || ms % unit.millis == 0)) {
      StrAppend(&out, ms / unit.millis, unit.name);
      ms %= unit.millis;
    }
  }
  return out;
}

absl::StatusOr<std::string> Unquote(std::string_view text, size_t* pos) {
  absl::StatusOr<std::string> value = text[0] == '`'    ? UnquoteRaw(text, pos)
                                      : text[0] == '\'' ? UnquoteSingle(text, pos)
                                                        : logql::Unquote(text, pos);
  if (!value.ok()) return value;
  if (size_t bad = InvalidUtf8Offset(text.substr(0, *pos)); bad != std::string::npos) {
    *pos = bad;
    return absl::InvalidArgumentError("invalid UTF-8 in a string literal");
  }
  return value;
}

}  // namespace vigie::promql
