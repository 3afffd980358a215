#include "query/logql/logfmt.h"

#include <algorithm>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/strings.h"
#include "common/utf8.h"
#include "query/logql/literal_search.h"

namespace vigie::logql {
namespace {

bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' '; }
bool IsTokenEnd(char c) { return IsSpace(c) || c == '=' || c == '"'; }

// The scans below look at 16 bytes at a time (SSE2, which every x86-64 has) for the first byte
// of a class, and test the bytes of the line's last partial 16 one by one, so that nothing is
// read past the line: a key or a value is a few bytes, and a call that looked at each byte in
// turn was most of the decoder's time. Each returns line.size() when there is no such byte.
#if defined(__SSE2__)
__m128i Load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
// The bytes of `v` that are <= ' ' (unsigned), as a comparison mask.
__m128i SpaceBytes(__m128i v) {
  const __m128i space = _mm_set1_epi8(' ');
  return _mm_cmpeq_epi8(_mm_max_epu8(v, space), space);
}
#endif

// The first byte at or after `pos` that ends a key or a bare value (a space, '=' or '"');
// *high is set when a byte before it is >= 0x80 (a key then needs its UTF-8 checked).
size_t TokenEnd(std::string_view line, size_t pos, bool* high) {
  const char* p = line.data();
  unsigned high_bits = 0;
#if defined(__SSE2__)
  for (; pos + 16 <= line.size(); pos += 16) {
    const __m128i v = Load16(p + pos);
    const unsigned ends = _mm_movemask_epi8(
        _mm_or_si128(SpaceBytes(v), _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))));
    const unsigned highs = _mm_movemask_epi8(v);
    if (ends != 0) {
      const unsigned at = __builtin_ctz(ends);
      *high = (high_bits | (highs & ((1u << at) - 1))) != 0;
      return pos + at;
    }
    high_bits |= highs;
  }
#endif
  for (; pos < line.size() && !IsTokenEnd(p[pos]); ++pos) {
    high_bits |= static_cast<unsigned char>(p[pos]) >> 7;
  }
  *high = high_bits != 0;
  return pos;
}

// The first space (a byte <= ' ') at or after `pos`.
size_t NextSpace(std::string_view line, size_t pos) {
  const char* p = line.data();
#if defined(__SSE2__)
  for (; pos + 16 <= line.size(); pos += 16) {
    if (const unsigned spaces = _mm_movemask_epi8(SpaceBytes(Load16(p + pos)))) {
      return pos + __builtin_ctz(spaces);
    }
  }
#endif
  while (pos < line.size() && !IsSpace(p[pos])) ++pos;
  return pos;
}

// The first '"' or '\\' at or after `pos`: what ends or escapes inside a quoted value.
size_t NextQuoteOrEscape(std::string_view line, size_t pos) {
  const char* p = line.data();
#if defined(__SSE2__)
  for (; pos + 16 <= line.size(); pos += 16) {
    const __m128i v = Load16(p + pos);
    if (const unsigned found = _mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))))) {
      return pos + __builtin_ctz(found);
    }
  }
#endif
  while (pos < line.size() && p[pos] != '"' && p[pos] != '\\') ++pos;
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
  if (skip_value) pos_ = NextSpace(line_, pos_);
  return false;
}

bool LogfmtDecoder::Next() {
  key_ = value_ = {};
  while (pos_ < line_.size() && IsSpace(line_[pos_])) ++pos_;
  if (pos_ == line_.size()) return false;
  const size_t start = pos_;
  bool multibyte;
  pos_ = TokenEnd(line_, pos_, &multibyte);
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
  bool high;
  pos_ = TokenEnd(line_, pos_, &high);
  if (pos_ < line_.size() && line_[pos_] == '=') return Fail("unexpected '='", true);
  if (pos_ < line_.size() && line_[pos_] == '"') return Fail("unexpected '\"'", true);
  value_ = line_.substr(value_start, pos_ - value_start);
  return true;
}

bool LogfmtDecoder::SkipToKeyWith(const std::vector<std::string>& anchors) {
  constexpr std::string_view kQuoteOpening = "=\"";
  // The start of the pair around `at`: the byte after the last space before it, or pos_ (which
  // starts a pair, or spaces before one).
  auto pair_start = [this](size_t at) {
    while (at > pos_ && !IsSpace(line_[at - 1])) --at;
    return at;
  };
  while (pos_ < line_.size()) {
    if (quote_opening_ != std::string_view::npos && quote_opening_ <= pos_) {
      quote_opening_ = FindLiteral(line_, pos_, kQuoteOpening);
    }
    // Up to the next `="`, no quoted value opens: each pair is the run of bytes up to a space
    // (a pair in error too goes on to the next space), and a key holding an anchor holds it
    // whole before its '='.
    const std::string_view plain = line_.substr(0, std::min(quote_opening_, line_.size()));
    size_t hit = std::string_view::npos;
    for (const std::string& anchor : anchors) hit = std::min(hit, FindLiteral(plain, pos_, anchor));
    if (hit != std::string_view::npos) {
      pos_ = pair_start(hit);
      return true;
    }
    if (quote_opening_ == std::string_view::npos) break;
    // The pair of the `="` may open a quoted value, whose end only reading it tells.
    pos_ = pair_start(quote_opening_);
    Next();
  }
  pos_ = line_.size();
  return false;
}

bool LogfmtDecoder::QuotedValue() {
  const size_t start = pos_;
  bool has_escape = false;
  for (size_t i = NextQuoteOrEscape(line_, pos_ + 1); i < line_.size();
       i = NextQuoteOrEscape(line_, i)) {
    if (line_[i] == '\\') {  // The byte after it is escaped, whatever it is.
      has_escape = true;
      i += 2;
      continue;
    }
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
