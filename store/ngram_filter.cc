#include "store/ngram_filter.h"

#include <array>
#include <cstdint>

#include "common/varint.h"

namespace vigie::store {

namespace {

constexpr std::array<uint8_t, 256> MakeFold() {
  std::array<uint8_t, 256> fold{};
  for (int c = 0; c < 256; ++c) fold[c] = (c >= '0' && c <= '9') ? '0' : static_cast<uint8_t>(c);
  return fold;
}
constexpr std::array<uint8_t, 256> kFold = MakeFold();
constexpr int kBitsLog2 = 16;  // 65536 bits = kNgramFilterBytes.
static_assert((1u << kBitsLog2) / 8 == kNgramFilterBytes);

// Two multiplicative hashes of the 4-gram, each taking the top kBitsLog2 bits.
inline uint32_t Hash1(uint32_t gram) { return (gram * 0x9E3779B1u) >> (32 - kBitsLog2); }
inline uint32_t Hash2(uint32_t gram) { return (gram * 0x85EBCA77u) >> (32 - kBitsLog2); }

inline bool Test(std::string_view bits, uint32_t bit) {
  return static_cast<uint8_t>(bits[bit >> 3]) & (1u << (bit & 7));
}

// Calls fn(gram) for each 4-byte window of `text` after folding digits, the window's first byte
// in the gram's top byte; stops when fn returns false. `folded` is scratch space. Each gram is
// loaded from the folded copy rather than shifted in byte by byte, so that grams do not depend
// on one another and the loop runs at the speed of the hashing.
template <typename Fn>
inline void ForEachGram(std::string_view text, std::string* folded, Fn fn) {
  if (text.size() < 4) return;
  folded->resize(text.size());
  char* out = folded->data();
  for (size_t i = 0; i < text.size(); ++i)
    out[i] = static_cast<char>(kFold[static_cast<uint8_t>(text[i])]);
  for (size_t i = 0; i + 4 <= text.size(); ++i) {
    if (!fn(GetBigEndian32(out + i))) return;
  }
}

}  // namespace

NgramFilterBuilder::NgramFilterBuilder() : bit_bytes_(size_t{1} << kBitsLog2, 0) {}

void NgramFilterBuilder::AddLine(std::string_view line) {
  uint8_t* bit_bytes = bit_bytes_.data();
  ForEachGram(line, &folded_, [bit_bytes](uint32_t gram) {
    bit_bytes[Hash1(gram)] = 1;
    bit_bytes[Hash2(gram)] = 1;
    return true;
  });
}

std::string NgramFilterBuilder::Finish() const {
  std::string bits(kNgramFilterBytes, '\0');
  for (size_t byte = 0; byte < kNgramFilterBytes; ++byte) {
    uint8_t packed = 0;
    for (int bit = 0; bit < 8; ++bit) packed |= bit_bytes_[byte * 8 + bit] << bit;
    bits[byte] = static_cast<char>(packed);
  }
  return bits;
}

bool NgramFilterMayContain(std::string_view filter, std::string_view literal) {
  if (filter.size() != kNgramFilterBytes) return true;
  bool may = true;
  std::string folded;
  ForEachGram(literal, &folded, [&](uint32_t gram) {
    may = Test(filter, Hash1(gram)) && Test(filter, Hash2(gram));
    return may;
  });
  return may;
}

}  // namespace vigie::store
