#include "query/logql/logfmt.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::logql {
namespace {

bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' '; }
bool IsTokenEnd(char c) { return IsSpace(c) || c == '=' || c == '"'; }

// The scans below look at 16 bytes at a time (SSE2, which every x86-64 has) for the first byte
// of a class: a key or a value is a few bytes, and a call that looked at each byte in turn was
// most of the decoder's time. The line's last partial 16 bytes are looked at as the 16 bytes
// that end the line, with the bits of the bytes already seen cleared, so that nothing is read
// past the line (a line shorter than 16 bytes is tested byte by byte). Each returns line.size()
// when there is no such byte.
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
  // The bytes [at, at + 16) that end a token and those >= 0x80, bits below `skip` cleared.
  auto masks = [p](size_t at, unsigned skip, unsigned* highs) {
    const __m128i v = Load16(p + at);
    const unsigned keep = ~0u << skip;
    *highs = _mm_movemask_epi8(v) & keep;
    return _mm_movemask_epi8(
               _mm_or_si128(SpaceBytes(v), _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')),
                                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))))) &
           keep;
  };
  auto found = [&](size_t at, unsigned ends, unsigned highs) {
    const unsigned i = __builtin_ctz(ends);
    *high = (high_bits | (highs & ((1u << i) - 1))) != 0;
    return at + i;
  };
  for (; pos + 16 <= line.size(); pos += 16) {
    unsigned highs;
    if (const unsigned ends = masks(pos, 0, &highs)) return found(pos, ends, highs);
    high_bits |= highs;
  }
  if (pos < line.size() && line.size() >= 16) {
    const size_t from = line.size() - 16;
    unsigned highs;
    if (const unsigned ends = masks(from, pos - from, &highs)) return found(from, ends, highs);
    *high = (high_bits | highs) != 0;
    return line.size();
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
  if (pos < line.size() && line.size() >= 16) {
    const size_t from = line.size() - 16;
    const unsigned spaces = _mm_movemask_epi8(SpaceBytes(Load16(p + from))) & (~0u << (pos - from));
    return spaces != 0 ? from + __builtin_ctz(spaces) : line.size();
  }
#endif
  while (pos < line.size() && !IsSpace(p[pos])) ++pos;
  return pos;
}

// The first '"' or '\\' at or after `pos`: what ends or escapes inside a quoted value.
size_t NextQuoteOrEscape(std::string_view line, size_t pos) {
  const char* p = line.data();
#if defined(__SSE2__)
  auto quotes_or_escapes = [p](size_t at) -> unsigned {
    const __m128i v = Load16(p + at);
    return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  };
  for (; pos + 16 <= line.size(); pos += 16) {
    if (const unsigned found = quotes_or_escapes(pos)) return pos + __builtin_ctz(found);
  }
  if (pos < line.size() && line.size() >= 16) {
    const size_t from = line.size() - 16;
    const unsigned found = quotes_or_escapes(from) & (~0u << (pos - from));
    return found != 0 ? from + __builtin_ctz(found) : line.size();
  }
#endif
  while (pos < line.size() && p[pos] != '"' && p[pos] != '\\') ++pos;
  return pos;
}

// The first place at or after `pos` where one of `anchors` (each not empty, without '=')
// starts, with *quote false, or an `="` (where a quoted value may open), with *quote true;
// line.size() when there is none. Each 16 places are compared at once with the first and the
// last byte of each, and only the places where both agree are checked whole: one pass over the
// line finds the next pair that must be read. The last places, where a load would pass the
// line's end, are compared in a copy padded with zeros (which no anchor holds). More than
// kVectorAnchors anchors are looked for one place at a time.
size_t NextAnchorOrQuote(std::string_view line, size_t pos, const std::vector<std::string>& anchors,
                         bool* quote) {
  const char* p = line.data();
  const size_t size = line.size();
  auto starts_at = [&](size_t at) {
    *quote = p[at] == '=' && at + 1 < size && p[at + 1] == '"';
    if (*quote) return true;
    for (const std::string& a : anchors) {
      if (p[at] == a.front() && at + a.size() <= size && SameBytes(line.substr(at, a.size()), a))
        return true;
    }
    return false;
  };
#if defined(__SSE2__)
  constexpr size_t kVectorAnchors = 8;
  if (anchors.size() <= kVectorAnchors) {
    size_t longest = 2;  // Of `="` and the anchors: the bytes a place needs to be compared.
    __m128i firsts[kVectorAnchors], lasts[kVectorAnchors];
    for (size_t k = 0; k < anchors.size(); ++k) {
      firsts[k] = _mm_set1_epi8(anchors[k].front());
      lasts[k] = _mm_set1_epi8(anchors[k].back());
      longest = std::max(longest, anchors[k].size());
    }
    const __m128i equals = _mm_set1_epi8('='), quotes = _mm_set1_epi8('"');
    // The places [0, 16) of `at` where a candidate starts; reads at[0, 15 + longest).
    auto candidates = [&](const char* at) -> unsigned {
      const __m128i v = Load16(at);
      __m128i hits =
          _mm_and_si128(_mm_cmpeq_epi8(v, equals), _mm_cmpeq_epi8(Load16(at + 1), quotes));
      for (size_t k = 0; k < anchors.size(); ++k) {
        hits = _mm_or_si128(
            hits, _mm_and_si128(_mm_cmpeq_epi8(v, firsts[k]),
                                _mm_cmpeq_epi8(Load16(at + anchors[k].size() - 1), lasts[k])));
      }
      return _mm_movemask_epi8(hits);
    };
    auto first_of = [&](size_t from, unsigned mask) {
      for (; mask != 0; mask &= mask - 1) {
        const size_t at = from + __builtin_ctz(mask);
        if (starts_at(at)) return at;
      }
      return std::string_view::npos;
    };
    for (; pos + 15 + longest <= size; pos += 16) {
      if (const size_t at = first_of(pos, candidates(p + pos)); at != std::string_view::npos)
        return at;
    }
    constexpr size_t kPadded = 128;
    if (const size_t left = pos < size ? size - pos : 0;
        left > 0 && left + 15 + longest <= kPadded) {
      char padded[kPadded] = {};
      std::memcpy(padded, p + pos, left);
      for (size_t off = 0; off < left; off += 16) {
        unsigned mask = candidates(padded + off);
        if (left - off < 16) mask &= (1u << (left - off)) - 1;
        if (const size_t at = first_of(pos + off, mask); at != std::string_view::npos) return at;
      }
      return size;
    }
  }
#endif
  for (; pos < size; ++pos) {
    if (starts_at(pos)) return pos;
  }
  return size;
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
  // The start of the pair around `at`: the byte after the last space before it, or pos_ (which
  // starts a pair, or spaces before one).
  auto pair_start = [this](size_t at) {
    while (at > pos_ && !IsSpace(line_[at - 1])) --at;
    return at;
  };
  while (pos_ < line_.size()) {
    // Up to the next `="`, no quoted value opens: each pair is the run of bytes up to a space
    // (a pair in error too goes on to the next space), and a key holding an anchor holds it
    // whole before its '=' (an anchor has no '=').
    bool quote;
    const size_t at = NextAnchorOrQuote(line_, pos_, anchors, &quote);
    if (at == line_.size()) break;
    pos_ = pair_start(at);
    if (!quote) return true;
    // The pair of the `="` may open a quoted value, whose end only reading it tells.
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
