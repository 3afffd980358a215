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

// Items of the dotted section: FNV-1a, continued from `h` over `piece` (so that an item is hashed
// from its pieces without being copied together).
constexpr uint32_t kItemHashSeed = 2166136261u;
uint32_t HashItem(std::string_view piece, uint32_t h = kItemHashSeed) {
  for (char c : piece) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
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

// Whether any byte of `text` is 0x80 or above: 8 bytes at a time, as this runs on every line.
inline bool HasNonAscii(std::string_view text) {
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t eight;
    memcpy(&eight, text.data() + i, 8);
    any |= eight;
  }
  for (; i < text.size(); ++i) any |= static_cast<uint8_t>(text[i]);
  return (any & 0x8080808080808080ull) != 0;
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
__attribute__((target("avx2"), always_inline)) inline void AddGrams8(__m256i gram, uint8_t* grams) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i scratch = _mm256_set1_epi32(2 << kBuildLog2);
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
                     _mm256_blendv_epi8(scratch, Probe8(gram, 1), word));
  for (int j = 0; j < 8; ++j) {
    grams[first[j]] = 1;
    grams[second[j]] = 1;
  }
  const __m256i has_folded = _mm256_andnot_si256(_mm256_cmpeq_epi32(upper, zero), no_digit);
  if (_mm256_testz_si256(has_folded, has_folded)) return;
  // Lanes without a folded form also go to the scratch byte: stores cost less than a branch on
  // each lane.
  const __m256i folded = _mm256_xor_si256(_mm256_or_si256(gram, _mm256_srli_epi32(upper, 2)),
                                          _mm256_set1_epi32(static_cast<int>(kFoldedSalt)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(folded_first),
                     _mm256_blendv_epi8(scratch, Probe8(folded, 0), has_folded));
  _mm256_store_si256(reinterpret_cast<__m256i*>(folded_second),
                     _mm256_blendv_epi8(scratch, Probe8(folded, 1), has_folded));
  for (int j = 0; j < 8; ++j) {
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

// Calls fn(HashItem(item)) for every run of four numbers joined by single dots in `text` (10.0.0.1
// in "from 10.0.0.1:22"; 1.2.3.4 and 2.3.4.5 in "1.2.3.4.5"): the item is the last three digits of
// the first number, the two middle numbers whole and the first three digits of the last, with
// their dots. A literal may be part of a longer number in a line: with `open_ends`, a number at
// either end of `text` may continue outside it, and a run is used only if its first and last
// numbers are known well enough (whole, or three digits or more) to form the same item as the
// line does.
template <typename Fn>
void ForEachDottedRun(std::string_view text, bool open_ends, Fn fn) {
  const size_t n = text.size();
  struct Run {
    size_t begin, end;
  };
  // The numbers of the current run, the last four of them by their index mod 4 (no allocation
  // per line: the builder calls this for every line with a dot).
  Run runs[4];
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
    runs[0] = {begin, dot};
    size_t count = 1, at = dot;
    while (at + 1 < n && text[at] == '.' && IsDigit(text[at + 1])) {
      size_t end = at + 1;
      while (end < n && IsDigit(text[end])) ++end;
      runs[count++ % 4] = {at + 1, end};
      at = end;
      if (count < 4) continue;
      const Run first = runs[count % 4], third = runs[(count + 2) % 4],
                last = runs[(count + 3) % 4];
      const size_t first_len = first.end - first.begin, last_len = last.end - last.begin;
      if (open_ends && first.begin == 0 && first_len < 3) continue;
      if (open_ends && last.end == n && last_len < 3) continue;
      uint32_t hash = HashItem(
          text.substr(first.end - std::min<size_t>(first_len, 3), std::min<size_t>(first_len, 3)));
      hash = HashItem(text.substr(first.end, third.end - first.end + 1), hash);
      fn(HashItem(text.substr(last.begin, std::min<size_t>(last_len, 3)), hash));
    }
    pos = at;
  }
}

// A section's bits (one byte each, 0 or 1) packed, bit i as bit i % 64 of word i / 64: each 8
// bytes become one byte by one multiply, whose partial products put byte k's bit at bit 56 + k
// without carries; with AVX2, 32 bytes at a time by their sign bits.
#if defined(__x86_64__)
__attribute__((target("avx2"))) void PackAvx2(const uint8_t* bits, size_t size, uint64_t* words) {
  for (size_t i = 0; i < size; i += 64) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + i));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + i + 32));
    const uint32_t low_bits = _mm256_movemask_epi8(_mm256_slli_epi16(low, 7));
    const uint32_t high_bits = _mm256_movemask_epi8(_mm256_slli_epi16(high, 7));
    words[i / 64] = low_bits | (uint64_t{high_bits} << 32);
  }
}
#endif

std::vector<uint64_t> Pack(const uint8_t* bits, size_t size) {
  std::vector<uint64_t> words(size / 64);
#if defined(__x86_64__)
  if (HasAvx2()) {
    PackAvx2(bits, size, words.data());
    return words;
  }
#endif
  for (size_t w = 0; w < words.size(); ++w) {
    uint64_t packed = 0;
    for (int b = 0; b < 8; ++b) {
      uint64_t eight;
      memcpy(&eight, bits + w * 64 + b * 8, 8);
      if constexpr (std::endian::native == std::endian::big) eight = __builtin_bswap64(eight);
      packed |= ((eight * 0x0102040810204080ull) >> 56) << (b * 8);
    }
    words[w] = packed;
  }
  return words;
}

// The even bits of `v` in its low half, in order.
inline uint32_t EvenBits(uint64_t v) {
  v &= 0x5555555555555555ull;
  v = (v | (v >> 1)) & 0x3333333333333333ull;
  v = (v | (v >> 2)) & 0x0f0f0f0f0f0f0f0full;
  v = (v | (v >> 4)) & 0x00ff00ff00ff00ffull;
  v = (v | (v >> 8)) & 0x0000ffff0000ffffull;
  return static_cast<uint32_t>(v | (v >> 16));
}

// Folds the packed section `words` to `size` bits (a power of two, not larger, at least 64), in
// place: halving maps bit j to j / 2 (see Probe), so each halving ORs each pair of bits.
void FoldTo(std::vector<uint64_t>* words, size_t size) {
  while (words->size() * 64 > size) {
    const size_t half = words->size() / 2;
    for (size_t w = 0; w < half; ++w) {
      const uint64_t low = (*words)[2 * w], high = (*words)[2 * w + 1];
      (*words)[w] = EvenBits(low | (low >> 1)) | (uint64_t{EvenBits(high | (high >> 1))} << 32);
    }
    words->resize(half);
  }
}

// The size (a power of two, at most the section's) at which the section's items would leave
// about kTargetFill of its bits set: from the bits set at full size, as each item's bits land
// apart (folding by 2^d then sets 1 - e^(-set / size) of them).
size_t SizeForFill(const std::vector<uint64_t>& words) {
  size_t set = 0;
  for (uint64_t w : words) set += std::popcount(w);
  const double wanted = set / -std::log(1 - kTargetFill);
  size_t size = size_t{1} << kMinBitsLog2;
  while (size < words.size() * 64 && static_cast<double>(size) < wanted) size *= 2;
  return size;
}

void AppendPacked(const std::vector<uint64_t>& words, std::string* out) {
  for (uint64_t w : words) {
    for (int b = 0; b < 8; ++b) out->push_back(static_cast<char>(w >> (b * 8)));
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
NgramFilterBuilder::NgramFilterBuilder() : grams_(2 * kBuildBits + 1), dotted_(kBuildBits / 64) {}

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
  if (HasNonAscii(line) && (line.find("\xE2\x84\xAA") != std::string_view::npos ||
                            line.find("\xC5\xBF") != std::string_view::npos)) {
    AddFoldedWords(line);
  }
  ForEachDottedRun(line, /*open_ends=*/false, [this](uint32_t v) {
    for (int k = 0; k < kDottedProbes; ++k) {
      const uint32_t bit = Probe(v, k, kBuildLog2);
      dotted_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  });
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
  std::vector<uint64_t> all_words = Pack(grams_.data(), kBuildBits);
  std::vector<uint64_t> all_numbers = Pack(grams_.data() + kBuildBits, kBuildBits);
  std::vector<uint64_t> all_dotted = dotted_;
  // Words and dotted runs at the size that keeps them selective, within seven eighths of the
  // budget (they answer most searches); the numbers in what is left.
  size_t words = SizeForFill(all_words), dotted = SizeForFill(all_dotted);
  while (words + dotted > budget - budget / 8 && std::max(words, dotted) > min_bits) {
    (words >= dotted ? words : dotted) /= 2;
  }
  size_t numbers = SizeForFill(all_numbers);
  while (numbers > min_bits && numbers > budget - words - dotted) numbers /= 2;
  std::string out;
  out.reserve(kHeaderBytes + (words + numbers + dotted) / 8);
  out.push_back(static_cast<char>(kTag));
  for (size_t size : {words, numbers, dotted}) out.push_back(static_cast<char>(Log2(size)));
  FoldTo(&all_words, words);
  FoldTo(&all_numbers, numbers);
  FoldTo(&all_dotted, dotted);
  AppendPacked(all_words, &out);
  AppendPacked(all_numbers, &out);
  AppendPacked(all_dotted, &out);
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
  ForEachDottedRun(literal, /*open_ends=*/true,
                   [&](uint32_t run) { may = may && s->dotted.Test(run, kDottedProbes); });
  return may;
}

}  // namespace vigie::store
