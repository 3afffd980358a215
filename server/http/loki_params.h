// Loki's query parameters (start, end, since, time, limit, direction, step), read as Loki reads
// them. Errors are InvalidArgument naming the parameter and its value.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "server/http/request.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

struct TimeWindow {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

// Every time parameter must be at or after the Unix epoch (so that differences of times cannot
// overflow). end defaults to `now_ns`; start to end - `default_lookback_ns`, or to end - since when
// `since` is given (now - since when end is in the future). An explicit start wins over since.
// An end before the start is refused, as query_range, labels, label values and series share
// this window.
absl::StatusOr<TimeWindow> ParseTimeWindow(const Request& request, int64_t now_ns,
                                           int64_t default_lookback_ns);

// end - lookback, or 0 (the epoch) when that would be earlier. Both are non-negative.
int64_t StartBefore(int64_t end_ns, int64_t lookback_ns);

// A point in time parameter (`time`, `start`) with a default; see vigie::ParseTime.
absl::StatusOr<int64_t> ParseTimeParam(const Request& request, std::string_view name,
                                       int64_t default_ns);

// A count parameter (`limit`, `line_limit`): 0 when absent; positive.
absl::StatusOr<uint32_t> ParseCount(const Request& request, std::string_view name);

// `limit`: 0 when absent (the engine then applies its default, 100 as in Loki); positive.
absl::StatusOr<uint32_t> ParseLimit(const Request& request);

// `direction`: forward or backward (the default), in any case. True for forward.
absl::StatusOr<bool> ParseForward(const Request& request);

// Parses `text` as a log query (a stream selector and line filters); InvalidArgument with the
// parse error, or naming what was expected when it is a metric query.
absl::StatusOr<logql::LogSelector> ParseLogQuery(std::string_view text, const Limits& limits);

// `step`: a duration (5m) or a number of seconds (300, 0.5); 0 when absent. Positive.
absl::StatusOr<int64_t> ParseStep(const Request& request);

}  // namespace vigie::server::http
