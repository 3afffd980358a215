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
#include <vector>

#include "query/logql/byte_regex.h"

namespace vigie::store {
class DecodedBlock;
}

namespace vigie::logql {

class ClassSequence {
 public:
  // The sequence `pattern` (re2 syntax) stands for, or nullopt unless ByteRegex reads it as a
  // fixed run of at most kMaxLength ASCII characters and classes (literals, escaped punctuation,
  // \d, \w, \s, bracketed classes that are not negated, groups and exact repetitions {n} of those:
  // [0-9]{3}(\.[0-9]{3}){3}, with at most kMaxClasses distinct classes). A match is then exactly
  // that many bytes, one per item, so that a line matches for re2 exactly when some window of it
  // does here, whatever its bytes (no item can match a byte of a multi-byte character).
  static std::optional<ClassSequence> Parse(std::string_view pattern);
  // The same, from the tree of a pattern.
  static std::optional<ClassSequence> Make(const ByteRegex& regex);
  // The sequence of these ASCII classes, one byte each; nullopt when there are more than
  // kMaxLength, more than kMaxClasses distinct ones or one of more than kMaxRanges ranges.
  static std::optional<ClassSequence> Make(std::vector<ByteClass> run);
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
  static constexpr size_t kMaxClasses = 8, kMaxRanges = 8;

  // Calls on_end(e) for each e in [pos, end) at which a match of text[.., end) ends (its last
  // byte), ascending, while on_end returns npos; a value other than npos resumes the scan from
  // there (after a match, from the next line: a match's line needs no second one).
  template <typename OnEnd>
  void Scan(std::string_view text, size_t pos, OnEnd on_end) const;

  std::vector<ByteClass> classes_;  // Distinct.
  std::vector<uint8_t> sequence_;   // One index into classes_ per byte of a match.
  // The indexes of sequence_, those whose class holds the fewest bytes first (the likeliest to
  // rule a place out).
  std::vector<uint8_t> order_;
};

}  // namespace vigie::logql
