#include "store/ngram_filter.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>

#include "common/varint.h"

namespace vigie::store {

namespace {

// Value layout (docs/storage-format.md): u8 kTag | u8 log2 bits of words | of numbers | of dotted
// | the three bit arrays, back to back (bit i is bit i % 8 of byte i / 8: 64-bit words stored
// little-endian).
constexpr uint8_t kTag = 2;
constexpr size_t kHeaderBytes = 4;
constexpr int kMinBitsLog2 = 6;      // 8 bytes.
constexpr int kMaxBitsLog2 = 24;     // Refused above: no block is that large.
constexpr int kBuildWordsLog2 = 10;  // Each section is built at 65,536 bits, then folded down.
// Bits set per item: the words are few and must stay selective; the numbers are many and fill
// their section whatever is done.
constexpr int kWordHashes = 3, kNumberHashes = 2, kDottedHashes = 4;
// Folded grams of words are hashed with this xor-ed in, apart from exact ones.
constexpr uint32_t kFoldedSalt = 0x5bd1e995u;
// A section whose bits are at most this full after halving is halved: the false-positive rate of
// one gram is then about 0.3^3 = 2.7% in words (a literal has several) and 0.3^4 in dotted.
constexpr double kTargetFill = 0.3;
// The filter's size budget: 1.4% of the block's line bytes (14 per mille), and at least 1 KiB, so
// that the blocks of a quiet stream (and those a busy one writes before the small-block merger
// joins them) still tell words apart.
constexpr uint64_t kBudgetPerMille = 14;
constexpr size_t kMinBudgetBits = 8192;

// The filter of storage format version 4: 65,536 bits, digits folded to '0', two hashes.
constexpr size_t kLegacyBytes = 8192;

struct Hashes {
  uint32_t h1, h2;
};
inline Hashes HashGram(uint32_t gram) {
  // h2's high bits, which choose the bits of a word, depend on all of the gram's bytes.
  return {gram * 0x9E3779B1u, (gram ^ (gram >> 16)) * 0x85EBCA77u};
}
// Items of the dotted section: FNV-1a, then the gram hashes of the result.
Hashes HashItem(std::string_view item) {
  uint32_t h = 2166136261u;
  for (char c : item) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return HashGram(h);
}

// Register-blocked: the bits of one gram all lie in one 64-bit word, so that setting them is one
// read-modify-write (a plain Bloom filter's scattered stores made building it about twice as
// slow, a cost every ingested byte pays), at a slightly higher false-positive rate for the same
// size. The word is
// chosen by the top bits of h1, so that halving a section maps word w to w / 2 (see Halve); the
// bits within it by h2.
inline uint32_t WordOf(Hashes h, int words_log2) {
  return words_log2 == 0 ? 0 : h.h1 >> (32 - words_log2);
}
inline uint64_t MaskOf(Hashes h, int hashes) {
  uint64_t mask = 0;
  for (int i = 0; i < hashes; ++i) mask |= uint64_t{1} << ((h.h2 >> (26 - 6 * i)) & 63);
  return mask;
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

// The 4 bytes at p, the first in the top byte (GetBigEndian32's loop is not turned into one load
// here, and this is the builder's inner loop).
inline uint32_t LoadGram(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

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

// A section while it is built: 64-bit words.
inline void Set(uint64_t* words, int words_log2, Hashes h, int hashes) {
  words[WordOf(h, words_log2)] |= MaskOf(h, hashes);
}

// ORs word pairs: the section of half the size, whose words are the old ones halved.
std::vector<uint64_t> Halve(const std::vector<uint64_t>& words) {
  std::vector<uint64_t> half(words.size() / 2);
  for (size_t j = 0; j < half.size(); ++j) half[j] = words[2 * j] | words[2 * j + 1];
  return half;
}

double Fill(const std::vector<uint64_t>& words) {
  size_t set = 0;
  for (uint64_t w : words) set += __builtin_popcountll(w);
  return static_cast<double>(set) / (words.size() * 64);
}

// Halves `words` while it stays at most kTargetFill full.
std::vector<uint64_t> ShrinkToFill(std::vector<uint64_t> words) {
  while (words.size() > 1) {
    std::vector<uint64_t> half = Halve(words);
    if (Fill(half) > kTargetFill) break;
    words = std::move(half);
  }
  return words;
}

// Little-endian words: bit i of the section is bit i % 8 of byte i / 8.
void AppendWords(const std::vector<uint64_t>& words, std::string* out) {
  for (uint64_t w : words) {
    for (int byte = 0; byte < 8; ++byte) out->push_back(static_cast<char>(w >> (8 * byte)));
  }
}

int Log2(size_t v) { return 63 - __builtin_clzll(v); }

// A section of a stored filter.
struct Section {
  std::string_view bytes;
  int words_log2 = 0;
  bool Test(Hashes h, int hashes) const {
    const char* p = bytes.data() + size_t{WordOf(h, words_log2)} * 8;
    uint64_t word = 0;
    for (int byte = 7; byte >= 0; --byte) word = (word << 8) | static_cast<uint8_t>(p[byte]);
    const uint64_t mask = MaskOf(h, hashes);
    return (word & mask) == mask;
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
    *parts[i] = {filter.substr(at, bytes), log2 - 6};
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

NgramFilterBuilder::NgramFilterBuilder()
    : words_(size_t{1} << kBuildWordsLog2),
      numbers_(size_t{1} << kBuildWordsLog2),
      dotted_(size_t{1} << kBuildWordsLog2) {}

void NgramFilterBuilder::AddLine(std::string_view line) {
  raw_bytes_ += line.size();
  if (line.size() < 4) return;
  const char* p = line.data();
  uint64_t* words = words_.data();
  uint64_t* numbers = numbers_.data();
  // Which section a gram goes to follows the text's digits, which no predictor guesses: chosen
  // without a branch. Grams with upper-case letters are set a second time, folded, salted apart
  // from the exact grams so that a search for "INFO" is not answered by a block holding "info".
  uint32_t any_high = 0;
  for (size_t i = 0; i + 4 <= line.size(); ++i) {
    const uint32_t gram = LoadGram(p + i);
    const uint32_t digits = DigitBytes(gram);
    any_high |= gram;
    const Hashes h = HashGram(gram);
    const uint64_t mask = digits ? MaskOf(h, kNumberHashes) : MaskOf(h, kWordHashes);
    (digits ? numbers : words)[WordOf(h, kBuildWordsLog2)] |= mask;
    if (const uint32_t upper = UpperBytes(gram); upper != 0 && digits == 0) {
      Set(words, kBuildWordsLog2, HashGram((gram | (upper >> 2)) ^ kFoldedSalt), kWordHashes);
    }
  }
  // A Kelvin sign or long s (non-ASCII) folds to k or s: such lines' folded grams are taken
  // from their folded form.
  if ((any_high & 0x80808080u) && (line.find("\xE2\x84\xAA") != std::string_view::npos ||
                                   line.find("\xC5\xBF") != std::string_view::npos)) {
    AddFoldedWords(line);
  }
  if (memchr(p, '.', line.size()) != nullptr) {
    ForEachDottedRun(line, /*open_ends=*/false, &scratch_, [this](std::string_view item) {
      Set(dotted_.data(), kBuildWordsLog2, HashItem(item), kDottedHashes);
    });
  }
}

// A line that may hold a Kelvin sign or a long s: its folded form is not byte for byte the
// lowercased line, so its folded grams are taken from that form.
void NgramFilterBuilder::AddFoldedWords(std::string_view line) {
  std::string folded;
  CaseFold(line, &folded);
  for (size_t i = 0; i + 4 <= folded.size(); ++i) {
    const std::string_view gram = std::string_view(folded).substr(i, 4);
    if (std::none_of(gram.begin(), gram.end(), IsDigit)) {
      Set(words_.data(), kBuildWordsLog2, HashGram(GetBigEndian32(gram.data()) ^ kFoldedSalt),
          kWordHashes);
    }
  }
}

std::string NgramFilterBuilder::Finish() const {
  const size_t budget_words =
      std::max<size_t>(kMinBudgetBits, raw_bytes_ * 8 * kBudgetPerMille / 1000) / 64;
  // Words and dotted runs at the size that keeps them selective, within three quarters of the
  // budget (they answer most searches); the numbers in what is left.
  std::vector<uint64_t> words = ShrinkToFill(words_);
  std::vector<uint64_t> dotted = ShrinkToFill(dotted_);
  while (words.size() + dotted.size() > budget_words * 3 / 4 &&
         std::max(words.size(), dotted.size()) > 1) {
    std::vector<uint64_t>& larger = words.size() >= dotted.size() ? words : dotted;
    larger = Halve(larger);
  }
  const size_t left = std::max<size_t>(1, budget_words - words.size() - dotted.size());
  std::vector<uint64_t> numbers = numbers_;
  while (numbers.size() > left) numbers = Halve(numbers);
  numbers = ShrinkToFill(std::move(numbers));
  std::string out;
  out.reserve(kHeaderBytes + (words.size() + numbers.size() + dotted.size()) * 8);
  out.push_back(static_cast<char>(kTag));
  for (const auto* section : {&words, &numbers, &dotted})
    out.push_back(static_cast<char>(Log2(section->size() * 64)));
  AppendWords(words, &out);
  AppendWords(numbers, &out);
  AppendWords(dotted, &out);
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
    const uint32_t gram = GetBigEndian32(literal.data() + i);
    bool may;
    if (DigitBytes(gram)) {
      // Grams with a digit are held exact: a folded search can test those without letters only.
      may = (case_folded && LetterBytes(gram)) || s->numbers.Test(HashGram(gram), kNumberHashes);
    } else if (case_folded) {
      // A line's gram that is already in lower case is held only as its exact self.
      may = s->words.Test(HashGram(gram), kWordHashes) ||
            s->words.Test(HashGram(gram ^ kFoldedSalt), kWordHashes);
    } else {
      may = s->words.Test(HashGram(gram), kWordHashes);
    }
    if (!may) return false;
  }
  bool may = true;
  std::string item;
  ForEachDottedRun(literal, /*open_ends=*/true, &item, [&](std::string_view run) {
    may = may && s->dotted.Test(HashItem(run), kDottedHashes);
  });
  return may;
}

}  // namespace vigie::store
