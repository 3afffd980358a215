// The arithmetic of LogQL's range aggregations on the samples of one window, and the
// conversions of `| unwrap`, with Loki's semantics (which differ from Prometheus's range
// functions: a window is (t - range, t], rate divides by the range whatever the samples' spread,
// rate_counter extrapolates as Loki does).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/logql/ast.h"

namespace vigie::logql {

// One sample of a log range: a line's time and its value (1 for a line, its size in bytes, or
// the value unwrapped from a label).
struct LogSample {
  int64_t ts_ns;
  double value;
};

// The value of `agg` over `window` (ascending time, non-empty). absent_over_time gives 1: its
// caller builds the series where nothing was found.
double RangeValue(const RangeAggregation& agg, std::span<const LogSample> window);

// The sample value of the text of an unwrapped label: a number as Go's strconv.ParseFloat reads
// it; a Go duration (time.ParseDuration: 1h30m, 1.5s, 250ms) in seconds; a byte size (as Loki's
// bytes(), go-humanize's ParseBytes: 42, 1.5KiB, 20 MB) in bytes (label_filter.h converts them,
// as the label filters do). Fails with a message saying what was expected.
absl::StatusOr<double> ConvertUnwrapped(Unwrap::Conversion conversion, std::string_view text);

}  // namespace vigie::logql
