// String literals of LogQL, as Loki reads them: "double-quoted" with Go's escapes, or `raw` in
// backticks. Quote() is the inverse used when printing a query back.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::logql {

// Reads the literal at the start of `text` (its first byte is '"' or '`'). Double-quoted strings
// take Go's escapes (\a \b \f \n \r \t \v \\ \" \xNN \NNN octal \uNNNN \UNNNNNNNN) and may not span
// lines; raw strings take every byte up to the closing backtick, dropping '\r' as Go does.
// On success returns the value and sets *pos to the length of the literal, quotes included. On
// failure returns InvalidArgument with a message (no position in it) and sets *pos to the offset
// in `text` of the problem.
absl::StatusOr<std::string> Unquote(std::string_view text, size_t* pos);

// The double-quoted literal that Unquote() reads back as `value`: printable ASCII and valid UTF-8
// are kept, \ and " are escaped, other bytes are written \n, \t, \r or \xNN.
std::string Quote(std::string_view value);

}  // namespace vigie::logql
