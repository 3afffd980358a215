#include "query/logql/quote.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::logql {
namespace {

// Decodes the escape whose backslash is at text[*i] and advances *i past it.
absl::Status UnescapeOne(std::string_view text, size_t* i, std::string* out) {
  size_t start = *i;
  if (start + 1 >= text.size()) return absl::InvalidArgumentError("unterminated string");
  char c = text[start + 1];
  *i = start + 2;
  static constexpr std::string_view kSimple = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";
  for (size_t k = 0; k < kSimple.size(); k += 2) {
    if (kSimple[k] == c) {
      out->push_back(kSimple[k + 1]);
      return absl::OkStatus();
    }
  }
  int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
  if (digits == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown escape sequence \"\\", std::string(1, c),
        "\" in a double-quoted string (write \\\\ for a backslash, or use a `raw` string)"));
  }
  int base = (c >= '0' && c <= '7') ? 8 : 16;
  size_t first = base == 8 ? start + 1 : start + 2;
  uint32_t value = 0;
  for (int k = 0; k < digits; ++k) {
    int d = first + k < text.size() ? HexValue(text[first + k]) : -1;
    if (d < 0 || d >= base) {
      return absl::InvalidArgumentError(
          absl::StrCat("escape \"\\", std::string(1, c), "\" needs ", digits,
                       base == 8 ? " octal digits" : " hexadecimal digits"));
    }
    value = value * base + d;
  }
  *i = first + digits;
  if (c == 'u' || c == 'U') {
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return absl::InvalidArgumentError("escape is not a valid Unicode code point");
    }
    AppendUtf8(value, out);
  } else if (value > 0xFF) {
    return absl::InvalidArgumentError("octal escape is larger than 255");
  } else {
    out->push_back(static_cast<char>(value));  // \x and octal escapes give a raw byte, as in Go.
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Unquote(std::string_view text, size_t* pos) {
  const char quote = text[0];
  std::string out;
  for (size_t i = 1; i < text.size();) {
    char c = text[i];
    if (c == quote) {
      *pos = i + 1;
      return out;
    }
    if (quote == '`') {
      if (c != '\r') out.push_back(c);
      ++i;
    } else if (c == '\n') {
      *pos = i;
      return absl::InvalidArgumentError(
          "newline in a double-quoted string (write \\n, or use a `raw` string)");
    } else if (c == '\\') {
      size_t at = i;
      if (absl::Status s = UnescapeOne(text, &i, &out); !s.ok()) {
        *pos = at;
        return s;
      }
    } else {
      out.push_back(c);
      ++i;
    }
  }
  *pos = 0;
  return absl::InvalidArgumentError(
      absl::StrCat("unterminated string: no closing ", std::string(1, quote)));
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size();) {
    unsigned char c = value[i];
    if (c == '"' || c == '\\') {
      absl::StrAppend(&out, "\\", std::string(1, c));
    } else if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
    } else if (c >= 0x20 && c < 0x7F) {
      out.push_back(c);
    } else if (size_t n = c >= 0x80 ? Utf8SequenceLength(value.substr(i)) : 0; n > 0) {
      out.append(value.substr(i, n));
      i += n;
      continue;
    } else {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", c));
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

}  // namespace vigie::logql
