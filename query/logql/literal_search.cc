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
  for (; pos + 16 <= last_start + 1; pos += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + pos));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + pos + n - 1));
    const __m128i both = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, first_case), first_byte),
                                       _mm_cmpeq_epi8(_mm_or_si128(b, last_case), last_byte));
    for (unsigned mask = _mm_movemask_epi8(both); mask != 0; mask &= mask - 1) {
      const size_t at = pos + __builtin_ctz(mask);
      if (EqualAt<kFolded>(t + at, literal)) return at;
    }
  }
#endif
  for (; pos <= last_start; ++pos) {
    if (EqualAt<kFolded>(t + pos, literal)) return pos;
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
