// Line filters of a LogQL query: {...} |= "timeout" |~ "db[0-9]+" != "healthcheck".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/limits.h"
#include "re2/re2.h"

namespace vigie::logql {

enum class FilterOp { kContains, kNotContains, kRegex, kNotRegex };  // |= != |~ !~

// The operator as written in a query: "|=", "!=", "|~" or "!~".
std::string_view FilterOpSymbol(FilterOp op);

struct LineFilterSpec {
  FilterOp op;
  std::string pattern;  // A byte string for |= and !=, a re2 pattern for |~ and !~.
  bool operator==(const LineFilterSpec&) const = default;
};

// A compiled chain of line filters, all of which a line must pass. Substring tests are on bytes;
// regexes are re2, unanchored (|~ "err" matches "stderr: x").
//
// Copies share the compiled regexes. Const methods are safe to call from several threads; Add()
// must not run concurrently with anything else on the same object.
class LineFilter {
 public:
  LineFilter() = default;  // The empty chain: every line passes.

  // Fails with InvalidArgument when a regex is invalid or larger than
  // limits.max_regex_program_size.
  static absl::StatusOr<LineFilter> Make(std::vector<LineFilterSpec> specs, const Limits& limits);

  // Appends one filter to the chain. On error (as for Make) the chain is unchanged.
  absl::Status Add(LineFilterSpec spec, const Limits& limits);

  bool empty() const { return specs_.empty(); }
  bool Matches(std::string_view line) const;

  // A byte string that every line passing the chain contains ("" when there is none), taken from
  // the positive filters: the longest of the |= literals and of the literals required by the |~
  // regexes (see RequiredLiteral()). The engine may search whole blocks for it with memmem and
  // call Matches() only on the lines that contain it.
  const std::string& required_literal() const { return required_literal_; }

  const std::vector<LineFilterSpec>& specs() const { return specs_; }

 private:
  // One compiled filter. `re` is null for the substring filters.
  struct Step {
    FilterOp op;
    std::string literal;
    std::shared_ptr<const re2::RE2> re;
  };

  std::vector<LineFilterSpec> specs_;  // As written, for printing.
  // The same filters, substring tests first: they are cheaper and often reject the line.
  std::vector<Step> steps_;
  std::string required_literal_;
};

}  // namespace vigie::logql
