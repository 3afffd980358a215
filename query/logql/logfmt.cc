#include "query/logql/logfmt.h"

#include <array>
#include <cstdint>

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::logql {
namespace {

bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' '; }

// What each byte is to the grammar, so that the scanning loops test one table entry per byte.
enum : uint8_t { kSpaceByte = 1, kEqualsByte = 2, kQuoteByte = 4, kHighByte = 8 };
constexpr uint8_t kEndsToken = kSpaceByte | kEqualsByte | kQuoteByte;
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if (c <= ' ') table[c] |= kSpaceByte;
    if (c == '=') table[c] |= kEqualsByte;
    if (c == '"') table[c] |= kQuoteByte;
    if (c >= 0x80) table[c] |= kHighByte;
  }
  return table;
}();

// The index of the first byte at or after `pos` that ends a key or a bare value (a space, '=' or
// '"'), or line.size(); *classes gets the classes of the bytes before it.
size_t TokenEnd(std::string_view line, size_t pos, uint8_t* classes) {
  uint8_t seen = 0;
  for (; pos < line.size(); ++pos) {
    const uint8_t c = kByteClass[static_cast<unsigned char>(line[pos])];
    if (c & kEndsToken) break;
    seen |= c;
  }
  *classes = seen;
  return pos;
}

constexpr uint32_t kReplacement = 0xFFFD;

// Four hex digits at s[at..]; -1 when they are not.
int32_t Hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    int h = HexValue(s[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

bool LogfmtDecoder::Fail(std::string_view message, bool skip_value) {
  error_ = StrCat("logfmt syntax error at pos ", pos_ + 1, " : ", message);
  if (skip_value) {
    while (pos_ < line_.size() && !IsSpace(line_[pos_])) ++pos_;
  }
  return false;
}

bool LogfmtDecoder::Next() {
  key_ = value_ = {};
  while (pos_ < line_.size() && IsSpace(line_[pos_])) ++pos_;
  if (pos_ == line_.size()) return false;
  const size_t start = pos_;
  uint8_t classes;
  pos_ = TokenEnd(line_, pos_, &classes);
  const bool multibyte = classes & kHighByte;
  key_ = line_.substr(start, pos_ - start);
  if (pos_ == line_.size() || IsSpace(line_[pos_])) {
    return multibyte && HasRuneError(key_) ? Fail("invalid key", false) : true;
  }
  if (line_[pos_] == '"') {
    key_ = {};
    return Fail("unexpected '\"'", true);
  }
  // At the '='.
  if (multibyte && HasRuneError(key_)) return Fail("invalid key", true);
  if (key_.empty()) return Fail("unexpected '='", true);
  ++pos_;
  if (pos_ >= line_.size() || IsSpace(line_[pos_])) return true;
  if (line_[pos_] == '"') return QuotedValue();
  const size_t value_start = pos_;
  pos_ = TokenEnd(line_, pos_, &classes);
  if (pos_ < line_.size() && line_[pos_] == '=') return Fail("unexpected '='", true);
  if (pos_ < line_.size() && line_[pos_] == '"') return Fail("unexpected '\"'", true);
  value_ = line_.substr(value_start, pos_ - value_start);
  return true;
}

bool LogfmtDecoder::QuotedValue() {
  const size_t start = pos_;
  bool escaped = false, has_escape = false;
  for (size_t i = pos_ + 1; i < line_.size(); ++i) {
    const char c = line_[i];
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = has_escape = true;
    } else if (c == '"') {
      pos_ = i + 1;
      std::string_view quoted = line_.substr(start, pos_ - start);
      if (!has_escape) {
        value_ = quoted.substr(1, quoted.size() - 2);
        return true;
      }
      if (!UnquoteLogfmt(quoted, &unquoted_)) return Fail("invalid quoted value", false);
      value_ = unquoted_;
      return true;
    }
  }
  pos_ = line_.size();
  return Fail("unterminated quoted value", false);
}

bool UnquoteLogfmt(std::string_view quoted, std::string* out) {
  out->clear();
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return false;
  std::string_view s = quoted.substr(1, quoted.size() - 2);
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 1 >= s.size()) return false;
      const char e = s[i + 1];
      i += 2;
      static constexpr std::string_view kSimple = "\"\"\\\\//''b\bf\fn\nr\rt\t";
      size_t k = 0;
      while (k < kSimple.size() && kSimple[k] != e) k += 2;
      if (k < kSimple.size()) {
        out->push_back(kSimple[k + 1]);
        continue;
      }
      if (e != 'u') return false;
      int32_t cp = Hex4(s, i);
      if (cp < 0) return false;
      i += 4;
      if (cp >= 0xD800 && cp < 0xDC00) {
        // A surrogate pair, or U+FFFD for a lone surrogate (as Go's JSON decoder does).
        int32_t low = i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u' ? Hex4(s, i + 2) : -1;
        if (low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        } else {
          cp = kReplacement;
        }
      } else if (cp >= 0xDC00 && cp < 0xE000) {
        cp = kReplacement;
      }
      AppendUtf8(static_cast<uint32_t>(cp), out);
    } else if (c == '"' || c < ' ') {
      return false;
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else {
      size_t n = Utf8SequenceLength(s.substr(i));
      if (n == 0) {
        AppendUtf8(kReplacement, out);
        ++i;
      } else {
        out->append(s.substr(i, n));
        i += n;
      }
    }
  }
  return true;
}

bool HasRuneError(std::string_view s) {
  return !IsValidUtf8(s) || s.find("\xEF\xBF\xBD") != std::string_view::npos;
}

}  // namespace vigie::logql
