// A Bloom filter of the 4-byte substrings of a block's lines, kept in the block index so that a
// search for a literal skips the blocks that cannot hold it without reading or decompressing
// them. Digits are folded to '0' on both sides, so that the filter holds the lines' shapes (few)
// rather than every number (many) and stays useful at a fixed 8 KiB per block.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigie::store {

inline constexpr size_t kNgramFilterBytes = 8192;

// Not thread-safe; one builder per block being encoded.
class NgramFilterBuilder {
 public:
  NgramFilterBuilder();
  void AddLine(std::string_view line);
  // The filter's bytes (kNgramFilterBytes).
  std::string Finish() const;

 private:
  // One byte per filter bit while building: setting a bit is then a plain store, with no
  // read-modify-write chain between neighbouring grams (twice as fast as setting bits).
  std::vector<uint8_t> bit_bytes_;
  std::string folded_;  // Scratch: the line with its digits folded.
};

// False only when no line of the filtered block can contain `literal`. True when the filter is
// absent (empty) or the literal is shorter than 4 bytes.
bool NgramFilterMayContain(std::string_view filter, std::string_view literal);

}  // namespace vigie::store
