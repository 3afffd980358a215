// Line filters of a LogQL query: {...} |= "timeout" |~ "db[0-9]+" != "healthcheck", with Loki's
// alternatives (|= "a" or "b"), ip() matchers (|= ip("10.0.0.0/8")) and pattern filters
// (|> "<_> error <_>").
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/limits.h"
#include "re2/re2.h"

namespace vigie::logql {

class IpMatcher;
class Pattern;
class RegexPrefilter;

// |= != |~ !~ |> !>
enum class FilterOp { kContains, kNotContains, kRegex, kNotRegex, kPattern, kNotPattern };

// A byte string that every line passing a filter contains. With case_folded, it is in lower case
// and what every such line's case-folded form contains (store::CaseFold: ASCII letters lowered,
// the Kelvin sign and the long s read as k and s), as for |~ "(?i)error".
struct NeededLiteral {
  std::string text;
  bool case_folded = false;
  bool operator==(const NeededLiteral&) const = default;
};

// The operator as written in a query: "|=", "!=", "|~", "!~", "|>" or "!>".
std::string_view FilterOpSymbol(FilterOp op);
// True for != !~ !>.
bool IsNegated(FilterOp op);

// One alternative of a filter: a byte string for |= and !=, a re2 pattern for |~ and !~, a
// pattern for |> and !>; with ip=true (|= and != only), the argument of ip("...").
struct FilterTerm {
  std::string pattern;
  bool ip = false;
  bool operator==(const FilterTerm&) const = default;
};

// A filter as written: `op pattern or more[0] or more[1] ...`. A positive filter keeps a line
// that any alternative matches; a negative one keeps a line that none matches (Loki's
// `!= "a" or "b"` is !(a or b)).
struct LineFilterSpec {
  LineFilterSpec(FilterOp op, std::string pattern, bool ip = false,
                 std::vector<FilterTerm> more = {})
      : op(op), pattern(std::move(pattern)), ip(ip), more(std::move(more)) {}

  FilterOp op;
  std::string pattern;  // The first alternative.
  bool ip = false;      // It is ip(pattern).
  std::vector<FilterTerm> more;
  bool operator==(const LineFilterSpec&) const = default;
};

// The filter as a query writes it: |= "a" or ip("10.0.0.0/8").
std::string ToString(const LineFilterSpec& spec);

// A compiled chain of line filters, all of which a line must pass. Substring tests are on bytes;
// regexes are re2, unanchored (|~ "err" matches "stderr: x").
//
// Copies share the compiled matchers. Const methods are safe to call from several threads;
// Add() must not run concurrently with anything else on the same object.
class LineFilter {
 public:
  LineFilter() = default;  // The empty chain: every line passes.

  // Fails with InvalidArgument when a regex is invalid or larger than
  // limits.max_regex_program_size, an ip() pattern or a pattern filter is invalid, or ip() is
  // used with an operator other than |= and !=.
  static absl::StatusOr<LineFilter> Make(std::vector<LineFilterSpec> specs, const Limits& limits);

  // Appends one filter to the chain. On error (as for Make) the chain is unchanged.
  absl::Status Add(LineFilterSpec spec, const Limits& limits);

  // A copy whose regexes are compiled anew, for one thread: re2 guards each regex's cache of
  // states with a lock, which threads sharing the regex contend on (5% of a regex scan on two).
  LineFilter ForThread() const;

  bool empty() const { return specs_.empty(); }
  bool Matches(std::string_view line) const;

  // A byte string that every line passing the chain contains ("" when there is none), taken from
  // the positive filters without alternatives: the longest of the |= literals, of the literals
  // required by the |~ regexes (see RequiredLiteral()) and of the |> patterns' literal parts. The
  // engine may search whole blocks for it with memmem and call Matches() only on the lines that
  // contain it.
  const std::string& required_literal() const { return required_literal_; }

  // Like required_literal(), but in lower case and contained in every passing line's
  // case-folded form (see NeededLiteral), from the positive regexes without alternatives:
  // "error" for |~ "(?i)error". Only set when longer than required_literal() ("" otherwise); the
  // engine may then search whole blocks for it with a case-insensitive search.
  const std::string& required_folded_literal() const { return required_folded_literal_; }

  // Sets of literals such that every line passing the chain contains at least one of each set:
  // one set per positive filter that yields literals, with one literal per alternative
  // (|= "a" or "b" gives {a, b}). Empty when nothing is known.
  const std::vector<std::vector<NeededLiteral>>& required_any() const { return required_any_; }

  // When the chain's required literals are shorter than kSelectiveLiteral bytes (say, the "." of
  // [0-9]+\.[0-9]+, which nearly every line holds), this may find the lines that can pass in a
  // block's lines run together (see regex_prefilter.h): the prefilter of its first positive
  // regex without alternatives whose own literal is as short. Null when there is none.
  const RegexPrefilter* prefilter() const {
    return std::max(required_literal_.size(), required_folded_literal_.size()) < kSelectiveLiteral
               ? prefilter_.get()
               : nullptr;
  }
  static constexpr size_t kSelectiveLiteral = 3;

  // Matches() without the regex that prefilter() stands for: for the lines an exact prefilter
  // (RegexPrefilter::exact) found, which that regex is known to match.
  bool MatchesBesidesPrefiltered(std::string_view line) const;

  // False when `may_contain` (say, a block's n-gram filter) rules out every literal of some set
  // of required_any(): then no line there can pass. True when nothing is known.
  bool MayMatch(const std::function<bool(const NeededLiteral&)>& may_contain) const;

  const std::vector<LineFilterSpec>& specs() const { return specs_; }

 private:
  // One alternative, compiled: `re`, `ip` or `pattern` is set, or none for a substring.
  struct Term {
    std::string literal;
    std::shared_ptr<const re2::RE2> re;
    std::shared_ptr<const IpMatcher> ip;
    std::shared_ptr<const Pattern> pattern;
    bool Matches(std::string_view line) const;
  };
  struct Step {
    bool negated;
    std::vector<Term> terms;
    bool cheap;                // Substring tests only.
    bool prefiltered = false;  // Its regex is the one prefilter_ was made of.
  };
  bool StepMatches(const Step& step, std::string_view line) const;

  std::vector<LineFilterSpec> specs_;  // As written, for printing.
  // The same filters, substring tests first: they are cheaper and often reject the line.
  std::vector<Step> steps_;
  std::string required_literal_;
  std::string required_folded_literal_;
  std::vector<std::vector<NeededLiteral>> required_any_;
  std::shared_ptr<const RegexPrefilter> prefilter_;
};

}  // namespace vigie::logql
