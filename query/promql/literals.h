// Number, duration and string literals of PromQL, read and written as Prometheus 2.42 does.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::promql {

// A number token as the lexer delimits it: decimal (1, 1.5, .5, 5., 1e3, 1E-3), hexadecimal
// (0x1F), Inf or NaN in any case. As in Prometheus (Go's ParseInt with base 0, then
// ParseFloat), an integer with a leading 0 is octal when it can be: 010 is 8, 09 is 9. Fails
// with a message (without position) when the text is no number or overflows a double.
absl::StatusOr<double> ParseNumber(std::string_view text);

// The shortest text that ParseNumber() reads back as `value`, in Go's %v form as Prometheus
// prints it: 1, 0.5, 1e+06, 1.5e-07, +Inf, -Inf, NaN.
std::string FormatNumber(double value);

// A duration as Prometheus writes it: units y, w, d, h, m, s, ms, each at most once and in that
// order (1h30m, 5m, 1d12h, 250ms). Returns nanoseconds; fails (with "not a valid duration
// string" or "duration out of range") otherwise. Zero is accepted here; the parser refuses it
// where Prometheus does.
absl::StatusOr<int64_t> ParseDuration(std::string_view text);

// Prometheus's form of a duration (whole milliseconds): years and weeks only when exact, then
// d, h, m, s, ms: 90m -> 1h30m, 14d -> 2w, 10d -> 1w3d is written 10d, 0 -> 0s.
std::string FormatDuration(int64_t nanos);

// Reads the string literal at the start of `text` (whose first byte is ", ' or `): double and
// single quotes take Go's escapes (\a \b \f \n \r \t \v \\ \xNN \NNN \uNNNN \UNNNNNNNN and an
// escaped quote of the kind that opened the string) and may not span lines; backquotes take
// every byte to the closing backquote. A literal must be valid UTF-8. On success returns the
// value and sets *pos to the literal's length; on failure returns InvalidArgument with a
// message (no position) and sets *pos to the offset of the problem in `text`.
absl::StatusOr<std::string> Unquote(std::string_view text, size_t* pos);

}  // namespace vigie::promql
