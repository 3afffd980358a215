// A regex that is a fixed run of ASCII characters and classes, each a single byte
// ([0-9]{3}\.[0-9]{3}, \d{4}-\d\d-\d\d, [a-f0-9]{32}): found by comparing 64 bytes at a time
// against each class and combining the masks, several times faster than Hyperscan's automaton
// on such a pattern, and with no need to put a separator between the lines. Internal to
// vigie_logql (see RegexPrefilter).
//
// Thread safety: immutable after Parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::store {
class DecodedBlock;
}

namespace vigie::logql {

class ClassSequence {
 public:
  // The sequence `pattern` (re2 syntax) stands for, or nullopt unless it is a concatenation of
  // at most kMaxLength items, each a printable ASCII character, an escaped ASCII punctuation
  // character, \d, \w or a bracketed class of those and of ASCII ranges, not negated; each
  // optionally repeated an exact number of times ({n} or {n,n}). Flags, groups, alternation,
  // '.', other repetitions and anchors are refused. A match is then exactly kMaxLength bytes or
  // fewer, one per item, so that a line matches for re2 exactly when some window of it does here,
  // whatever its bytes (no item can match a byte of a multi-byte character).
  static std::optional<ClassSequence> Parse(std::string_view pattern);
  static constexpr size_t kMaxLength = 64;

  // The end (exclusive, into `text`) of the first window of text[pos, size) that matches, or
  // npos.
  size_t NextMatchEnd(std::string_view text, size_t pos) const;

  // Calls on_match(i), in ascending order, for each line i of `block` in [first, last) that
  // holds a match.
  void ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                           const std::function<void(size_t)>& on_match) const;

  static constexpr size_t npos = std::string_view::npos;

 private:
  // An inclusive range of ASCII bytes, and a set of bytes as the ranges it is the union of.
  using Range = std::pair<uint8_t, uint8_t>;
  using Class = std::vector<Range>;
  static constexpr size_t kMaxClasses = 8, kMaxRanges = 8;

  // Calls on_end(e) for each e in [pos, end) at which a match of text[.., end) ends (its last
  // byte), ascending, while on_end returns npos; a value other than npos resumes the scan from
  // there (after a match, from the next line: a match's line needs no second one).
  template <typename OnEnd>
  void Scan(std::string_view text, size_t pos, OnEnd on_end) const;
  // Bit i of masks[k] is set when p[i] is in classes_[k], for i < 64.
  void Masks(const char* p, uint64_t* masks) const;

  std::vector<Class> classes_;     // Distinct.
  std::vector<uint8_t> sequence_;  // One index into classes_ per byte of a match.
  // The indexes of sequence_, those whose class holds the fewest bytes first (the likeliest to
  // rule a place out).
  std::vector<uint8_t> order_;
};

}  // namespace vigie::logql
