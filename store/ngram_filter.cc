#include "store/ngram_filter.h"

#include <array>
#include <cstdint>

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

// Calls fn(gram) for each folded 4-byte window of `text`.
template <typename Fn>
inline void ForEachGram(std::string_view text, Fn fn) {
  uint32_t gram = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    gram = (gram << 8) | kFold[static_cast<uint8_t>(text[i])];
    if (i >= 3 && !fn(gram)) return;
  }
}

}  // namespace

NgramFilterBuilder::NgramFilterBuilder() : bits_(kNgramFilterBytes, '\0') {}

void NgramFilterBuilder::AddLine(std::string_view line) {
  char* bits = bits_.data();
  ForEachGram(line, [bits](uint32_t gram) {
    for (uint32_t bit : {Hash1(gram), Hash2(gram)})
      bits[bit >> 3] |= static_cast<char>(1u << (bit & 7));
    return true;
  });
}

bool NgramFilterMayContain(std::string_view filter, std::string_view literal) {
  if (filter.size() != kNgramFilterBytes) return true;
  bool may = true;
  ForEachGram(literal, [&](uint32_t gram) {
    may = Test(filter, Hash1(gram)) && Test(filter, Hash2(gram));
    return may;
  });
  return may;
}

}  // namespace vigie::store
