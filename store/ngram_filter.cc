#include "store/ngram_filter.h"

#include <string.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

#include "common/varint.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vigie::store {

namespace {

// Value layout (docs/storage-format.md): u8 kTag | u8 log2 bits of words | of numbers | of dotted
// | the three bit arrays, back to back (bit i is bit i % 8 of byte i / 8).
constexpr uint8_t kTag = 2;
constexpr size_t kHeaderBytes = 4;
constexpr int kMinBitsLog2 = 6;   // 8 bytes.
constexpr int kMaxBitsLog2 = 24;  // Refused above: no block is that large.
constexpr int kBuildLog2 = 16;    // Each section is built at 65,536 bits, then folded down.
constexpr size_t kBuildBits = size_t{1} << kBuildLog2;
// Probe i of an item hashed to v is the top bits of v * kMultipliers[i], so that halving a section
// maps bit j to j / 2 (see Halve). Words set two bits; numbers, which fill their section
// whatever is done, one (each bit set costs every ingested byte); the few dotted runs three.
constexpr uint32_t kMultipliers[] = {0x9E3779B1u, 0x85EBCA77u, 0xC2B2AE3Du};
constexpr int kWordProbes = 2, kNumberProbes = 1, kDottedProbes = 3;
// Folded grams of words are hashed with this xor-ed in, apart from exact ones, so that a search
// for "INFO" is not answered by a block holding only "info".
constexpr uint32_t kFoldedSalt = 0x5bd1e995u;
// Each section is folded to the size that leaves about this share of its bits set: one word gram
// then answers "maybe" wrongly about 0.2^2 = 4% of the time (a literal has several), a dotted run
// 0.8%.
constexpr double kTargetFill = 0.2;
// The filter's size budget: 0.9% of the block's line bytes (9 per mille), and at least 1 KiB, so
// that the blocks of a quiet stream (and those a busy one writes before the small-block merger
// joins them) still tell words apart.
constexpr uint64_t kBudgetPerMille = 9;
constexpr size_t kMinBudgetBits = 8192;

// The filter of storage format version 4: 65,536 bits, digits folded to '0', two hashes.
constexpr size_t kLegacyBytes = 8192;

inline uint32_t Probe(uint32_t v, int i, int log2) { return (v * kMultipliers[i]) >> (32 - log2); }

// Items of the dotted section: FNV-1a.
uint32_t HashItem(std::string_view item) {
  uint32_t h = 2166136261u;
  for (char c : item) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

// SWAR tests of a gram's four bytes: 0x80 in each byte that is an ASCII digit, an upper-case
// ASCII letter, a letter.
inline uint32_t BytesInRange(uint32_t gram, uint8_t lo, uint8_t hi) {
  const uint32_t low7 = gram & 0x7f7f7f7fu;
  const uint32_t at_least_lo = low7 + 0x01010101u * (0x80 - lo);
  const uint32_t above_hi = low7 + 0x01010101u * (0x80 - hi - 1);
  return at_least_lo & ~above_hi & ~gram & 0x80808080u;
}
inline uint32_t DigitBytes(uint32_t gram) { return BytesInRange(gram, '0', '9'); }
inline uint32_t UpperBytes(uint32_t gram) { return BytesInRange(gram, 'A', 'Z'); }
inline uint32_t LetterBytes(uint32_t gram) {
  return UpperBytes(gram) | BytesInRange(gram, 'a', 'z');
}
// A gram of the numbers section: with a digit, or all of a to f (the hex ids that fill some logs
// would otherwise crowd the words out).
inline bool IsNumberGram(uint32_t gram) {
  return DigitBytes(gram) != 0 || BytesInRange(gram, 'a', 'f') == 0x80808080u;
}

// The 4 bytes at p, the first in the top byte.
inline uint32_t LoadGram(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The grams of one line go to `grams`: the words section's bits (one byte each), then the numbers
// section's (without AVX2, or off x86-64). A gram with a digit goes to numbers; one without to
// words, and there also its lower-case form (salted) when it has upper-case letters. Windows [from,
// to) of `p`.
void AddGramsScalar(const char* p, size_t from, size_t to, uint8_t* grams) {
  for (size_t i = from; i < to; ++i) {
    const uint32_t gram = LoadGram(p + i);
    const uint32_t digits = DigitBytes(gram), upper = UpperBytes(gram);
    // Which section follows the text's digits, which no predictor guesses: chosen without a
    // branch.
    const bool number = IsNumberGram(gram);
    uint8_t* section = grams + (size_t{number} << kBuildLog2);
    for (int k = 0; k < (number ? kNumberProbes : kWordProbes); ++k)
      section[Probe(gram, k, kBuildLog2)] = 1;
    if (upper != 0 && digits == 0) {
      const uint32_t folded = (gram | (upper >> 2)) ^ kFoldedSalt;
      for (int k = 0; k < kWordProbes; ++k) grams[Probe(folded, k, kBuildLog2)] = 1;
    }
  }
}

#if defined(__x86_64__)
// AddGramsScalar for the windows of a line of `size` bytes, 8 at a time, with AVX2 (the builder is
// in the path of every ingested byte: the scalar loop cost twice the filter it replaced). Returns
// how many windows from 0 it did (all but the last 0 to 7); the caller does the rest.
__attribute__((target("avx2"))) inline __m256i BytesInRange8(__m256i g, uint8_t lo, uint8_t hi) {
  const __m256i low7 = _mm256_and_si256(g, _mm256_set1_epi32(0x7f7f7f7f));
  const __m256i at_least_lo = _mm256_add_epi32(low7, _mm256_set1_epi32(0x01010101 * (0x80 - lo)));
  const __m256i above_hi = _mm256_add_epi32(low7, _mm256_set1_epi32(0x01010101 * (0x80 - hi - 1)));
  return _mm256_and_si256(_mm256_andnot_si256(above_hi, at_least_lo),
                          _mm256_andnot_si256(g, _mm256_set1_epi32(static_cast<int>(0x80808080u))));
}

__attribute__((target("avx2"))) inline __m256i Probe8(__m256i v, int k) {
  return _mm256_srli_epi32(
      _mm256_mullo_epi32(v, _mm256_set1_epi32(static_cast<int>(kMultipliers[k]))), 32 - kBuildLog2);
}

// The 8 grams in `gram`'s lanes, set as AddGramsScalar does.
__attribute__((target("avx2"))) void AddGrams8(__m256i gram, uint8_t* grams) {
  const __m256i zero = _mm256_setzero_si256();
  alignas(32) uint32_t first[8], second[8], folded_first[8], folded_second[8];
  const __m256i no_digit = _mm256_cmpeq_epi32(BytesInRange8(gram, '0', '9'), zero);
  const __m256i word =
      _mm256_andnot_si256(_mm256_cmpeq_epi32(BytesInRange8(gram, 'a', 'f'),
                                             _mm256_set1_epi32(static_cast<int>(0x80808080u))),
                          no_digit);
  const __m256i upper = BytesInRange8(gram, 'A', 'Z');
  const __m256i section = _mm256_andnot_si256(word, _mm256_set1_epi32(1 << kBuildLog2));
  _mm256_store_si256(reinterpret_cast<__m256i*>(first), _mm256_or_si256(section, Probe8(gram, 0)));
  // Numbers set one bit: their second probe goes to the scratch byte after the two sections.
  _mm256_store_si256(reinterpret_cast<__m256i*>(second),
                     _mm256_blendv_epi8(_mm256_set1_epi32(2 << kBuildLog2), Probe8(gram, 1), word));
  const __m256i folded = _mm256_xor_si256(_mm256_or_si256(gram, _mm256_srli_epi32(upper, 2)),
                                          _mm256_set1_epi32(static_cast<int>(kFoldedSalt)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(folded_first), Probe8(folded, 0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(folded_second), Probe8(folded, 1));
  for (int j = 0; j < 8; ++j) {
    grams[first[j]] = 1;
    grams[second[j]] = 1;
  }
  const __m256i has_folded = _mm256_andnot_si256(_mm256_cmpeq_epi32(upper, zero), no_digit);
  for (unsigned m = _mm256_movemask_ps(_mm256_castsi256_ps(has_folded)); m != 0; m &= m - 1) {
    const int j = __builtin_ctz(m);
    grams[folded_first[j]] = 1;
    grams[folded_second[j]] = 1;
  }
}

__attribute__((target("avx2"))) size_t AddGramsAvx2(const char* p, size_t size, uint8_t* grams) {
  if (size < 16) return 0;
  // Lane j of 8 takes bytes j..j+3 of a 16-byte load, first byte on top.
  const __m256i windows_of = _mm256_setr_epi8(3, 2, 1, 0, 4, 3, 2, 1, 5, 4, 3, 2, 6, 5, 4, 3,  //
                                              7, 6, 5, 4, 8, 7, 6, 5, 9, 8, 7, 6, 10, 9, 8, 7);
  const size_t windows = size - 3;
  size_t i = 0;
  for (; i + 16 <= size; i += 8) {
    const __m256i bytes =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
    AddGrams8(_mm256_shuffle_epi8(bytes, windows_of), grams);
  }
  // Whole groups of 8 windows near the end: the line's last 16 bytes, read `shift` bytes on.
  for (; i + 8 <= windows; i += 8) {
    const __m256i shift = _mm256_set1_epi8(static_cast<char>(i - (size - 16)));
    const __m256i bytes = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + size - 16)));
    AddGrams8(_mm256_shuffle_epi8(bytes, _mm256_add_epi8(windows_of, shift)), grams);
  }
  return i;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// Calls fn(item) for every run of four numbers joined by single dots in `text` (10.0.0.1 in
// "from 10.0.0.1:22"; 1.2.3.4 and 2.3.4.5 in "1.2.3.4.5"): the item is the last three digits of
// the first number, the two middle numbers whole and the first three digits of the last, with
// their dots. A literal may be part of a longer number in a line: with `open_ends`, a number at
// either end of `text` may continue outside it, and a run is used only if its first and last
// numbers are known well enough (whole, or three digits or more) to form the same item as the
// line does.
template <typename Fn>
void ForEachDottedRun(std::string_view text, bool open_ends, std::string* item, Fn fn) {
  const size_t n = text.size();
  struct Run {
    size_t begin, end;
  };
  std::vector<Run> runs;
  size_t pos = 0;
  while (pos < n) {
    const void* found = memchr(text.data() + pos, '.', n - pos);
    if (found == nullptr) return;
    const size_t dot = static_cast<const char*>(found) - text.data();
    if (dot == 0 || !IsDigit(text[dot - 1]) || dot + 1 >= n || !IsDigit(text[dot + 1])) {
      pos = dot + 1;
      continue;
    }
    size_t begin = dot - 1;
    while (begin > 0 && IsDigit(text[begin - 1])) --begin;
    runs.assign(1, {begin, dot});
    size_t at = dot;
    while (at + 1 < n && text[at] == '.' && IsDigit(text[at + 1])) {
      size_t end = at + 1;
      while (end < n && IsDigit(text[end])) ++end;
      runs.push_back({at + 1, end});
      at = end;
    }
    for (size_t w = 0; w + 4 <= runs.size(); ++w) {
      const Run first = runs[w], last = runs[w + 3];
      const size_t first_len = first.end - first.begin, last_len = last.end - last.begin;
      if (open_ends && first.begin == 0 && first_len < 3) continue;
      if (open_ends && last.end == n && last_len < 3) continue;
      item->assign(
          text.substr(first.end - std::min<size_t>(first_len, 3), std::min<size_t>(first_len, 3)));
      item->append(text.substr(first.end, runs[w + 2].end - first.end + 1));
      item->append(text.substr(last.begin, std::min<size_t>(last_len, 3)));
      fn(std::string_view(*item));
    }
    pos = at;
  }
}

// The bits (one byte each) of the section `bits` folded to `size` bits (a power of two, not
// larger): bit j is the OR of the bits whose probes become j, j * 2^d to (j + 1) * 2^d - 1 for a
// section 2^d times smaller (see Probe).
std::vector<uint8_t> FoldTo(const std::vector<uint8_t>& bits, size_t size) {
  const size_t factor = bits.size() / size;
  std::vector<uint8_t> folded(size);
  for (size_t j = 0; j < size; ++j) {
    uint8_t any = 0;
    for (size_t i = j * factor; i < (j + 1) * factor; ++i) any |= bits[i];
    folded[j] = any;
  }
  return folded;
}

// The size (a power of two, at most bits.size()) at which the section's items would leave about
// kTargetFill of its bits set: from the bits set at full size, as each item's bits land apart
// (folding by 2^d then sets 1 - e^(-set / size) of them).
size_t SizeForFill(const std::vector<uint8_t>& bits) {
  const size_t set = std::count(bits.begin(), bits.end(), 1);
  const double wanted = set / -std::log(1 - kTargetFill);
  size_t size = size_t{1} << kMinBitsLog2;
  while (size < bits.size() && static_cast<double>(size) < wanted) size *= 2;
  return size;
}

void AppendPacked(const std::vector<uint8_t>& bits, std::string* out) {
  for (size_t byte = 0; byte < bits.size() / 8; ++byte) {
    uint8_t packed = 0;
    for (int bit = 0; bit < 8; ++bit) packed |= bits[byte * 8 + bit] << bit;
    out->push_back(static_cast<char>(packed));
  }
}

int Log2(size_t v) { return 63 - __builtin_clzll(v); }

// A section of a stored filter.
struct Section {
  std::string_view bits;
  int log2 = 0;
  bool Test(uint32_t v, int probes) const {
    for (int i = 0; i < probes; ++i) {
      const uint32_t bit = Probe(v, i, log2);
      if (!(static_cast<uint8_t>(bits[bit >> 3]) & (1u << (bit & 7)))) return false;
    }
    return true;
  }
};
struct Sections {
  Section words, numbers, dotted;
};

std::optional<Sections> Parse(std::string_view filter) {
  if (filter.size() < kHeaderBytes || static_cast<uint8_t>(filter[0]) != kTag) return std::nullopt;
  Sections s;
  Section* parts[] = {&s.words, &s.numbers, &s.dotted};
  size_t at = kHeaderBytes;
  for (int i = 0; i < 3; ++i) {
    const int log2 = static_cast<uint8_t>(filter[1 + i]);
    if (log2 < kMinBitsLog2 || log2 > kMaxBitsLog2) return std::nullopt;
    const size_t bytes = (size_t{1} << log2) / 8;
    if (filter.size() - at < bytes) return std::nullopt;
    *parts[i] = {filter.substr(at, bytes), log2};
    at += bytes;
  }
  if (at != filter.size()) return std::nullopt;
  return s;
}

// The filter of storage format version 4 (written until this format replaced it; still read).
bool LegacyMayContain(std::string_view filter, std::string_view literal) {
  auto test = [filter](uint32_t bit) {
    return static_cast<uint8_t>(filter[bit >> 3]) & (1u << (bit & 7));
  };
  std::string folded(literal);
  for (char& c : folded) c = IsDigit(c) ? '0' : c;
  for (size_t i = 0; i + 4 <= folded.size(); ++i) {
    uint32_t gram = GetBigEndian32(folded.data() + i);
    if (!test((gram * 0x9E3779B1u) >> 16) || !test((gram * 0x85EBCA77u) >> 16)) return false;
  }
  return true;
}

}  // namespace

void CaseFold(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "\xE2\x84\xAA") {
      out->push_back('k');
      i += 2;
    } else if (text.substr(i, 2) == "\xC5\xBF") {
      out->push_back('s');
      i += 1;
    } else {
      out->push_back(LowerAscii(text[i]));
    }
  }
}

// grams_ has one byte more than its two sections: AddGramsAvx2 sets it in place of the second bit
// of numbers, and Finish() ignores it.
NgramFilterBuilder::NgramFilterBuilder() : grams_(2 * kBuildBits + 1), dotted_(kBuildBits) {}

void NgramFilterBuilder::AddLine(std::string_view line) {
  raw_bytes_ += line.size();
  if (line.size() < 4) return;
  const char* p = line.data();
  const size_t windows = line.size() - 3;
  size_t done = 0;
#if defined(__x86_64__)
  if (HasAvx2()) done = AddGramsAvx2(p, line.size(), grams_.data());
#endif
  AddGramsScalar(p, done, windows, grams_.data());
  // A Kelvin sign or long s (non-ASCII) folds to k or s: such lines' folded grams are taken
  // from their folded form.
  uint8_t any = 0;
  for (char c : line) any |= static_cast<uint8_t>(c);
  if ((any & 0x80) && (line.find("\xE2\x84\xAA") != std::string_view::npos ||
                       line.find("\xC5\xBF") != std::string_view::npos)) {
    AddFoldedWords(line);
  }
  if (memchr(p, '.', line.size()) != nullptr) {
    ForEachDottedRun(line, /*open_ends=*/false, &scratch_, [this](std::string_view item) {
      const uint32_t v = HashItem(item);
      for (int k = 0; k < kDottedProbes; ++k) dotted_[Probe(v, k, kBuildLog2)] = 1;
    });
  }
}

// A line that may hold a Kelvin sign or a long s: its folded form is not byte for byte the
// lowercased line, so its folded grams are taken from that form.
void NgramFilterBuilder::AddFoldedWords(std::string_view line) {
  std::string folded;
  CaseFold(line, &folded);
  for (size_t i = 0; i + 4 <= folded.size(); ++i) {
    const uint32_t gram = LoadGram(folded.data() + i);
    if (DigitBytes(gram) == 0) {
      for (int k = 0; k < kWordProbes; ++k) grams_[Probe(gram ^ kFoldedSalt, k, kBuildLog2)] = 1;
    }
  }
}

std::string NgramFilterBuilder::Finish() const {
  const size_t min_bits = size_t{1} << kMinBitsLog2;
  const size_t budget = std::max<size_t>(kMinBudgetBits, raw_bytes_ * 8 * kBudgetPerMille / 1000);
  const std::vector<uint8_t> all_words(grams_.begin(), grams_.begin() + kBuildBits);
  const std::vector<uint8_t> all_numbers(grams_.begin() + kBuildBits,
                                         grams_.begin() + 2 * kBuildBits);
  // Words and dotted runs at the size that keeps them selective, within seven eighths of the
  // budget (they answer most searches); the numbers in what is left.
  size_t words = SizeForFill(all_words), dotted = SizeForFill(dotted_);
  while (words + dotted > budget - budget / 8 && std::max(words, dotted) > min_bits) {
    (words >= dotted ? words : dotted) /= 2;
  }
  size_t numbers = std::min(SizeForFill(all_numbers), kBuildBits);
  while (numbers > min_bits && numbers > budget - words - dotted) numbers /= 2;
  std::string out;
  out.reserve(kHeaderBytes + (words + numbers + dotted) / 8);
  out.push_back(static_cast<char>(kTag));
  for (size_t size : {words, numbers, dotted}) out.push_back(static_cast<char>(Log2(size)));
  AppendPacked(FoldTo(all_words, words), &out);
  AppendPacked(FoldTo(all_numbers, numbers), &out);
  AppendPacked(FoldTo(dotted_, dotted), &out);
  return out;
}

bool NgramFilterReadable(std::string_view filter) {
  return filter.size() == kLegacyBytes || Parse(filter).has_value();
}

bool NgramFilterMayContain(std::string_view filter, std::string_view literal, bool case_folded) {
  if (filter.size() == kLegacyBytes) return case_folded || LegacyMayContain(filter, literal);
  std::optional<Sections> s = Parse(filter);
  if (!s) return true;
  if (case_folded && std::any_of(literal.begin(), literal.end(), [](char c) {
        return static_cast<uint8_t>(c) >= 0x80 || (c >= 'A' && c <= 'Z');
      })) {
    return true;
  }
  for (size_t i = 0; i + 4 <= literal.size(); ++i) {
    const uint32_t gram = LoadGram(literal.data() + i);
    bool may;
    if (DigitBytes(gram)) {
      // Grams with a digit are held exact: a folded search can test those without letters only.
      may = (case_folded && LetterBytes(gram)) || s->numbers.Test(gram, kNumberProbes);
    } else if (IsNumberGram(gram)) {
      // All of a to f: in lower case among the numbers, in other cases folded among the words.
      may = s->numbers.Test(gram, kNumberProbes) ||
            (case_folded && s->words.Test(gram ^ kFoldedSalt, kWordProbes));
    } else if (case_folded) {
      // A line's gram that is already in lower case is held only as its exact self.
      may = s->words.Test(gram, kWordProbes) || s->words.Test(gram ^ kFoldedSalt, kWordProbes);
    } else {
      may = s->words.Test(gram, kWordProbes);
    }
    if (!may) return false;
  }
  bool may = true;
  std::string item;
  ForEachDottedRun(literal, /*open_ends=*/true, &item, [&](std::string_view run) {
    may = may && s->dotted.Test(HashItem(run), kDottedProbes);
  });
  return may;
}

}  // namespace vigie::store
