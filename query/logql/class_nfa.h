// A regex of ASCII characters and classes with alternatives, optional parts, bounded repetitions
// and runs ((\d{1,3}\.){3}\d{1,3}, \d+\.\d+, (GET|POST) /[^ ]*): run as a bit-parallel automaton
// over 64 bytes at a time. Each class gives a mask of the bytes it holds (as in ClassSequence);
// each step of the pattern turns the set of places where the part before it can end into the set
// where it can end after it: a shift for one character, an addition (whose carries run along the
// bytes of a class) for a run. A few instructions per step and 64 bytes, exact, and with no
// copy of the lines: a match may not run from one line into the next. Internal to vigie_logql
// (see RegexPrefilter).
//
// Thread safety: immutable after Make.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "query/logql/byte_regex.h"
#include "query/logql/class_sequence.h"

namespace vigie::store {
class DecodedBlock;
}

namespace vigie::logql {

class ClassNfa {
 public:
  // The automaton of `regex`, or nullopt when it has what this does not run: a class beyond
  // ASCII ([^ ], '.', \D, \W, \S) other than repeated as a run (* + {0,} {1,}: [^ ]+, not [^ ]
  // or [^ ]{2}), an unbounded repetition of more than one class ((ab)+), more than kMaxSteps
  // steps once repetitions are unrolled or kMaxClasses distinct classes, or a pattern that
  // matches the empty string (every line would match).
  static std::optional<ClassNfa> Make(const ByteRegex& regex);
  static constexpr size_t kMaxSteps = 128, kMaxClasses = 16;

  // Whether the lines scanned must be valid UTF-8: when a run may hold characters beyond ASCII,
  // which it matches character by character as re2 does only on valid UTF-8.
  bool needs_utf8() const { return continuation_class_ >= 0; }

  // The end (exclusive, into `text`) of the first match in text[pos, size), read as one line,
  // or npos.
  size_t NextMatchEnd(std::string_view text, size_t pos) const;

  // Calls on_match(i), in ascending order, for each line i of `block` in [first, last) that
  // holds a match, as re2 finds them (when needs_utf8(), for lines that are valid UTF-8).
  void ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                           const std::function<void(size_t)>& on_match) const;

  static constexpr size_t npos = std::string_view::npos;

 private:
  friend class NfaCompiler;

  // A step reads the places where the pattern's part before it may end (a register, one bit per
  // place: bit i for "just before byte i" of the 64 scanned) and writes those where it may end
  // after it.
  struct Step {
    enum class Kind : uint8_t {
      kChar,   // One byte of class `cls` (ASCII).
      kRun,    // One or more characters of class `cls`.
      kUnion,  // The places of `in` and of `other`.
    };
    Kind kind;
    bool optional;       // The places of `in` are also places after the step (?, *).
    bool line_bound;     // Every place of `in` comes after a character: one at a line's start
                         // ends the line before, and the step may not go on from it.
    bool wide;           // `cls` holds bytes beyond ASCII: a run starts and ends between
                         // characters.
    bool cut;            // The steps after this one read no register before its own: when
                         // its places are empty and theirs carry nothing, so are theirs.
    uint8_t cls;         // Into classes_.
    uint16_t in, other;  // Registers read.
  };

  // Calls on_end(e) for each place e in [pos, size] at which a match ends, ascending, while
  // on_end returns npos; a value other than npos resumes the scan from there, as from a line's
  // start. line_starts(p, words, n) sets bit i of words[k] when a line starts at p + 64k + i
  // (k < n); p grows from call to call.
  // line_of(p) is the start and end of the line holding byte p: with it, and required_, the scan
  // skips the lines that do not hold the required run (nullptr: text is one line, no skip).
  template <typename LineStarts, typename LineOf, typename OnEnd>
  void Scan(std::string_view text, size_t pos, LineStarts line_starts, LineOf line_of,
            OnEnd on_end) const;

  std::vector<ByteClass> classes_;  // Distinct.
  std::vector<Step> steps_;         // Step i writes register i + 1; register 0 is every place.
  size_t end_ = 0;                  // The register of the places where a match ends.
  int continuation_class_ = -1;     // Into classes_: the bytes 0x80-0xBF, when needs_utf8().
  // A fixed run of classes that every match holds (\d\.\d of \d+\.\d+), when there is one of
  // two bytes or more: the steps run only on the lines that hold it, found several times
  // faster than the steps run.
  std::optional<ClassSequence> required_;
};

}  // namespace vigie::logql
