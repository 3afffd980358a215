// A Hyperscan prefilter for a line-filter regex without a required literal (|~ "[0-9]{3}\.[0-9]+"):
// it scans a block's lines in one pass, several times faster than re2 tests them one by one. A
// regex that is a fixed run of ASCII classes ("[0-9]{3}\.[0-9]{3}") is found without Hyperscan,
// by a ClassSequence, faster still and exact; most other regexes of ASCII classes ("\d+\.\d+",
// "(GET|POST) /[^ ]*") by a ClassNfa, exact too.
// For most patterns it is exact (exact()): the lines it finds are those re2 matches, and re2
// is not run. Otherwise it finds the lines that may match, which re2 then confirms. Internal to
// vigie_logql (see LineFilter::prefilter).
//
// Thread safety: immutable after Make; NextMatchEnd may be called from several threads (each
// thread keeps its own Hyperscan scratch space).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "query/logql/class_nfa.h"
#include "query/logql/class_sequence.h"

struct hs_database;
namespace re2 {
class RE2;
}
namespace vigie::store {
class DecodedBlock;
}

namespace vigie::logql {

class RegexPrefilter {
 public:
  // The prefilter of `re`, made once per pattern and kept for the next queries (dashboards and
  // rules repeat theirs, and Hyperscan takes up to tens of milliseconds to compile a pattern).
  // Null when it cannot stand in for re2 on lines run together: the pattern has an anchor or a
  // word boundary (^ $ \A \z \b \B: joined lines would move them), case folding that may reach
  // beyond ASCII (Hyperscan folds ASCII only), a NUL, or a construct Hyperscan does not parse;
  // its program is larger than kMaxProgramSize (Hyperscan's compile time grows fast with it);
  // or this CPU cannot run Hyperscan (unless it is a ClassSequence or a ClassNfa). Then every line
  // is tested with re2.
  static std::shared_ptr<const RegexPrefilter> Make(const re2::RE2& re);
  static constexpr int kMaxProgramSize = 200;
  ~RegexPrefilter();
  RegexPrefilter(const RegexPrefilter&) = delete;
  RegexPrefilter& operator=(const RegexPrefilter&) = delete;

  // The end offset (exclusive, into `text`) of the first match found in text[pos, size), or npos
  // when there is none. A line holding a match of the regex holds the end of a match: the line
  // of byte (end - 1) may match, and no line before it from pos on does. `text` must be valid
  // UTF-8 and `pos` at a character boundary (see Utf8Lines) when needs_utf8().
  size_t NextMatchEnd(std::string_view text, size_t pos) const;

  static constexpr size_t npos = std::string_view::npos;

  // True when Hyperscan's answer to "does this line match" is re2's for every valid UTF-8 line
  // without a '\n': the pattern has none of the constructs on which they differ (\s \S \v
  // \p \P \C, octal and hex escapes, POSIX classes) and none that can match '\n' (a negated
  // class, \D \W, (?s)), and Hyperscan compiled it exactly rather than as a prefilter.
  bool exact() const { return exact_; }

  // Whether the lines scanned must be valid UTF-8 (Hyperscan's do; a ClassSequence's answer is
  // re2's whatever the bytes).
  bool needs_utf8() const { return nfa_ ? nfa_->needs_utf8() : !sequence_.has_value(); }

  // Only when exact(): calls on_match(i), in ascending order, for each line i of `block` in
  // [first, last) that re2 matches. Scans those lines joined by '\n' (copied into a per-thread
  // buffer) in one pass: no match can hold a '\n', so each lies in one line. Returns false,
  // having called nothing, when a line holds a '\n' itself or Hyperscan fails (out of memory);
  // the caller then falls back to NextMatchEnd. The lines must be valid UTF-8 when needs_utf8().
  // A ClassSequence runs on the lines as stored, '\n' or not, and never fails.
  bool ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                           const std::function<void(size_t)>& on_match) const;

 private:
  RegexPrefilter(hs_database* db, size_t id, bool exact) : db_(db), id_(id), exact_(exact) {}
  explicit RegexPrefilter(ClassSequence sequence)
      : db_(nullptr), id_(0), exact_(true), sequence_(std::move(sequence)) {}
  explicit RegexPrefilter(ClassNfa nfa)
      : db_(nullptr), id_(0), exact_(true), nfa_(std::move(nfa)) {}

  hs_database* db_;  // Null with a ClassSequence or a ClassNfa.
  size_t id_;        // Unique per prefilter: tells a thread's scratch space which database it fits.
  bool exact_;
  std::optional<ClassSequence> sequence_;
  std::optional<ClassNfa> nfa_;
};

// True when `text` is valid UTF-8: the prefilter matches characters, not bytes, as re2 does.
bool IsValidUtf8(std::string_view text);

}  // namespace vigie::logql
