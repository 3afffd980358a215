#include "query/logql/literal_search.h"

#include <string.h>

#include <algorithm>

#include "common/strings.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigie::logql {
namespace {

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool IsLowerLetter(char c) { return c >= 'a' && c <= 'z'; }

template <bool kFolded>
bool EqualAt(const char* text, std::string_view literal) {
  if constexpr (!kFolded) return SameBytes(std::string_view(text, literal.size()), literal);
  for (size_t j = 0; j < literal.size(); ++j) {
    if (LowerAscii(text[j]) != literal[j]) return false;
  }
  return true;
}

// Two bytes of the literal, its first and its last, are compared 16 places at a time, and the
// places where both agree are checked whole: Muła's SIMD-friendly substring search. Up to case
// (kFolded, `literal` lower-case), a letter is compared as c | 0x20, which equals a lower-case
// letter exactly when c is that letter in either case.
template <bool kFolded>
size_t Find(std::string_view text, size_t pos, std::string_view literal) {
  const size_t n = literal.size();
  if (text.size() < n) return std::string_view::npos;
  const size_t last_start = text.size() - n;  // The last place the literal can start.
  const char* t = text.data();
#if defined(__SSE2__)
  const char first = literal[0], last = literal[n - 1];
  const __m128i first_case = _mm_set1_epi8(kFolded && IsLowerLetter(first) ? 0x20 : 0);
  const __m128i last_case = _mm_set1_epi8(kFolded && IsLowerLetter(last) ? 0x20 : 0);
  const __m128i first_byte = _mm_set1_epi8(first), last_byte = _mm_set1_epi8(last);
  // The places [at, at + 16) where the first and the last byte agree, one bit each.
  auto candidates = [&](size_t at) -> unsigned {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + at));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + at + n - 1));
    return _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, first_case), first_byte),
                                           _mm_cmpeq_epi8(_mm_or_si128(b, last_case), last_byte)));
  };
  for (; pos + 16 <= last_start + 1; pos += 16) {
    for (unsigned mask = candidates(pos); mask != 0; mask &= mask - 1) {
      const size_t at = pos + __builtin_ctz(mask);
      if (EqualAt<kFolded>(t + at, literal)) return at;
    }
  }
  // Fewer than 16 places are left: the 16 that end at the last one are compared at once, those
  // before `pos` masked out, rather than each in turn (a parser searches short lines, where the
  // last places were most of the work).
  if (pos <= last_start && last_start + 1 >= 16) {
    const size_t from = last_start + 1 - 16;
    for (unsigned mask = candidates(from) & (~0u << (pos - from)); mask != 0; mask &= mask - 1) {
      const size_t at = from + __builtin_ctz(mask);
      if (EqualAt<kFolded>(t + at, literal)) return at;
    }
    return std::string_view::npos;
  }
#endif
  const char first_of_literal = literal[0];
  for (; pos <= last_start; ++pos) {
    const char c = kFolded ? LowerAscii(t[pos]) : t[pos];
    if (c == first_of_literal && EqualAt<kFolded>(t + pos, literal)) return pos;
  }
  return std::string_view::npos;
}

constexpr std::string_view kKelvin = "\xE2\x84\xAA", kLongS = "\xC5\xBF";

}  // namespace

size_t FindLiteral(std::string_view text, size_t pos, std::string_view literal) {
  return Find<false>(text, pos, literal);
}

FoldedFinder::FoldedFinder(std::string_view literal, std::string_view text)
    : literal_(literal), text_(text) {
  signs_ = literal_.find_first_of("ks") != std::string::npos;
}

size_t FoldedFinder::Next(size_t pos) {
  const size_t ascii = Find<true>(text_, pos, literal_);
  return signs_ ? std::min(ascii, NextSign(pos)) : ascii;
}

size_t FoldedFinder::NextSign(size_t pos) {
  // Each is searched again only once passed, so that a block is read once for each.
  if (!searched_ || (kelvin_ != npos && kelvin_ < pos)) kelvin_ = FindLiteral(text_, pos, kKelvin);
  if (!searched_ || (long_s_ != npos && long_s_ < pos)) long_s_ = FindLiteral(text_, pos, kLongS);
  searched_ = true;
  return std::min(kelvin_, long_s_);
}

}  // namespace vigie::logql
