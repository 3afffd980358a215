// The part of re2's syntax that vigie can run on a line's bytes without re2 or Hyperscan: ASCII
// characters and classes, groups, alternatives and repetitions, and runs of classes that may
// hold non-ASCII characters ([^ ]+, .*). Read into a tree that ClassSequence (a fixed run of
// classes) and ClassNfa (the rest) compile. Internal to vigie_logql.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::logql {

// An inclusive range of bytes.
using ByteRange = std::pair<uint8_t, uint8_t>;

// A set of bytes: sorted, disjoint, non-adjacent ranges, none holding both ASCII and non-ASCII
// bytes (so none is wider than 128, as ClassMasks needs). A class that holds bytes of 0x80 and
// above stands for characters beyond ASCII (a negated class, '.', \D, \W, \S): its bytes are
// those of such characters' UTF-8 forms, so it can only be matched character by character.
struct ByteClass {
  std::vector<ByteRange> ranges;
  // Whether each byte it holds is a whole character (ASCII).
  bool ascii() const { return ranges.empty() || ranges.back().second < 0x80; }
  bool operator==(const ByteClass&) const = default;
};

// Bit i of masks[k] is set when p[i] is in classes[k], for i < 64 (SSE2 compares where there
// are).
void ClassMasks(const std::vector<ByteClass>& classes, const char* p, uint64_t* masks);

struct ByteRegex {
  enum class Kind {
    kClass,      // One character of `cls`.
    kConcat,     // `subs` one after the other (none: the empty string).
    kAlternate,  // Any one of `subs`.
    kRepeat,     // subs[0], from `min` to `max` times (kUnbounded: no limit).
  };
  static constexpr int kUnbounded = -1;
  // At most this many repetitions: larger ones are refused (ClassNfa unrolls them).
  static constexpr int kMaxRepeat = 64;

  // The tree re2 reads `pattern` as, or nullopt when the pattern holds anything it does not
  // model exactly: flags, anchors and word boundaries, non-ASCII characters, escapes other than
  // \d \D \w \W \s \S \t \n \r \f and escaped punctuation, POSIX and Unicode classes, a '-' in a
  // class other than in a range or at its ends, a ']' or '[' in a class, a '{', '}' or ']' that is
  // not part of a repetition or class, a quantifier on a quantifier, repetitions beyond
  // kMaxRepeat, groups nested deeper than kMaxDepth. Groups ((...), (?:...), (?P<name>...)) are
  // kept as the tree they hold. The pattern must be one re2 accepts (it is not validated here).
  static std::optional<ByteRegex> Parse(std::string_view pattern);
  static constexpr int kMaxDepth = 16;

  Kind kind = Kind::kConcat;
  ByteClass cls;
  std::vector<ByteRegex> subs;
  int min = 0, max = 0;
};

}  // namespace vigie::logql
