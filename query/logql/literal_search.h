// Searches of a block's lines run together for the literal that every passing line contains
// (LineFilter::required_literal), exactly or up to case (required_folded_literal, "error" for
// |~ "(?i)error"): they find the places where a line that may pass shows. Internal to
// vigie_logql.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigie::logql {

// The offset of the first occurrence of `literal` (not empty) in `text` at or after `pos`, or
// npos. Unlike memmem it sets nothing up per call, which matters when it is called once per
// matching line. Thread-safe.
size_t FindLiteral(std::string_view text, size_t pos, std::string_view literal);

// The case-insensitive search. Thread safety: one finder per thread (it remembers where the next
// Kelvin sign is).
class FoldedFinder {
 public:
  // `literal`: lower-case ASCII, not empty. `text` must outlive the finder.
  FoldedFinder(std::string_view literal, std::string_view text);

  // The offset of a byte of the first line, at or after `pos`, that may hold the literal up to
  // ASCII case: where the literal starts, or, when it has a k or an s, where a Kelvin sign or a
  // long s is (re2's (?i) matches them for k and s). npos when there is none.
  size_t Next(size_t pos);

  static constexpr size_t npos = std::string_view::npos;

 private:
  // The first Kelvin sign or long s at or after `pos` (npos: none), for positions that only grow.
  size_t NextSign(size_t pos);

  std::string literal_;
  std::string_view text_;
  bool signs_ = false;              // The literal has a k or an s.
  bool searched_ = false;           // kelvin_ and long_s_ are set:
  size_t kelvin_ = 0, long_s_ = 0;  // the next at or after the last search's position, or npos.
};

}  // namespace vigie::logql
