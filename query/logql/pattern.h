// Loki's pattern expressions: `| pattern "<ip> - - <_> \"<method> <uri> <_>\" <status>"` extracts
// labels, and the line filters `|> "<_> error <_>"` / `!> "..."` test lines against a pattern.
//
// A pattern is literal text with captures `<name>` (name = [A-Za-z_][A-Za-z0-9_]*) and the
// unnamed `<_>`, which matches without extracting. Anything else, a lone '<' included, is literal.
//
// Thread safety: immutable after parsing; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::logql {

class Pattern {
 public:
  // A pattern for `| pattern`: at least one named capture, no two captures next to each other,
  // no name twice. Errors name the offending capture and its byte offset in `text`.
  static absl::StatusOr<Pattern> ForExtraction(std::string_view text);
  // A pattern for `|>` and `!>`: captures must be `<_>`, never next to each other. "" is allowed
  // (it matches the empty line only).
  static absl::StatusOr<Pattern> ForLineFilter(std::string_view text);

  // The named captures, in order.
  const std::vector<std::string>& names() const { return names_; }

  // Loki's extraction: a leading literal must start the line (otherwise nothing is extracted and
  // false is returned); each capture then runs to the first occurrence of the literal after it,
  // or to the end of the line when that literal is missing (and the captures after it get
  // nothing). Text after the last literal is ignored. values->at(i) is the value of names()[i]
  // for the first values->size() names; views point into `line`. Stops after `limit` values
  // (the captures after them do not change them).
  bool Extract(std::string_view line, std::vector<std::string_view>* values,
               size_t limit = SIZE_MAX) const;

  // The literal right before the capture `name` ("" when the capture starts the pattern), or
  // nullopt when there is no such capture. A line on which the capture is `v` holds that literal
  // and `v` one after the other.
  std::optional<std::string_view> LiteralBefore(std::string_view name) const;

  // Whether the whole line matches, as `|>` decides: literals in order, each at its first
  // occurrence, every capture non-empty, the line starting with a leading literal and ending
  // with a trailing one. No backtracking: "<_> a" does not match "x a b a".
  bool Test(std::string_view line) const;

  // The literal parts, in order (each non-empty): every line that passes Test() contains all.
  std::vector<std::string_view> Literals() const;

 private:
  struct Part {
    bool capture;
    std::string text;  // The literal, or the capture's name ("_" for unnamed).
  };
  static absl::StatusOr<Pattern> Parse(std::string_view text);

  std::vector<Part> parts_;  // Literals and captures alternate.
  std::vector<std::string> names_;
};

}  // namespace vigie::logql
