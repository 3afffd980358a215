// A per-block filter of the 4-byte substrings of a block's lines, kept in the block index so that
// a search for a literal skips the blocks that cannot hold it without reading or decompressing
// them (docs/storage-format.md, "N-gram filter").
//
// Three Bloom filters in one value, each sized to what it holds:
// - words: the 4-grams without a digit, exact and ASCII case-folded, so that `|= "INFO"` and
//   `|~ "(?i)error"` both skip; few (a stream's vocabulary) and held at a low false-positive rate;
// - numbers: the 4-grams with a digit or all of a-f (hex ids), exact (many: the lines' numbers),
//   in what the size budget leaves;
// - dotted: every run of four dot-separated numbers (an IPv4 address, a version), whole, since the
//   4-grams of one address are present in any block full of addresses.
// The whole stays under 0.9% of the block's line bytes (or 1 KiB for a small block).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::store {

// Not thread-safe; one builder per block being encoded.
class NgramFilterBuilder {
 public:
  NgramFilterBuilder();
  void AddLine(std::string_view line);
  // The filter's bytes, sized for the line bytes added.
  std::string Finish() const;

 private:
  void AddFoldedWords(std::string_view line);

  // Each section's bits at its largest size; Finish() folds each down to the size it needs. The
  // grams of words then numbers in grams_, one byte each so that setting one is a plain store;
  // the few dotted runs packed, 64 to a word.
  std::vector<uint8_t> grams_;
  std::vector<uint64_t> dotted_;
  uint64_t raw_bytes_ = 0;
};

// False only when no line of the filtered block can contain `literal`; with `case_folded`, when
// no line's CaseFold() form can (`literal` is then given in lower case). True when
// the filter is absent, unreadable, or cannot tell (a literal of fewer than 4 bytes, a
// case-folded literal that is not ASCII, the filter of format version 4 asked a case-folded
// question).
bool NgramFilterMayContain(std::string_view filter, std::string_view literal,
                           bool case_folded = false);

// `text` as a case-insensitive search reads it, into *out: ASCII letters lowered, and the Kelvin
// sign (U+212A) and the long s (U+017F), which re2's (?i) matches for k and s, replaced by k and s;
// every other byte as it is.
void CaseFold(std::string_view text, std::string* out);

// Whether `filter` is one this code reads: the current format or the 8 KiB filter of storage
// format version 4 (for the fuzz target and tests: NgramFilterMayContain answers "maybe" for any
// other).
bool NgramFilterReadable(std::string_view filter);

}  // namespace vigie::store
