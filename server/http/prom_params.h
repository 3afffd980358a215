// The parameters of Prometheus's HTTP API (time, start, end, step, timeout, match[]), read as
// Prometheus 2.42 reads them, with its error messages. Times are Unix milliseconds, Prometheus's
// resolution. Every error is InvalidArgument (errorType bad_data).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/promql/engine.h"
#include "server/http/request.h"
#include "server/prom_queries.h"

namespace vigie::server::http {

// The widest time range the series endpoints use when start or end is absent: every time whose
// nanoseconds fit in an int64, so that the store may convert without overflow.
inline constexpr int64_t kPromMinTimeMs = INT64_MIN / 1'000'000;
inline constexpr int64_t kPromMaxTimeMs = INT64_MAX / 1'000'000;

// A point in time: Unix seconds with an optional fraction ("1700000000.5", rounded to the
// millisecond) or RFC 3339 ("2026-12-06T15:00:00.123Z").
absl::StatusOr<int64_t> ParsePromTime(std::string_view text);

// A duration: seconds with an optional fraction ("15", "0.5") or Prometheus's units ("1m30s").
// In milliseconds, truncated.
absl::StatusOr<int64_t> ParsePromDuration(std::string_view text);

// Parameter `name` as a time, or `default_ms` when absent; the error names the parameter:
// invalid parameter "time": cannot parse "x" to a valid timestamp.
absl::StatusOr<int64_t> PromTimeParam(const Request& request, std::string_view name,
                                      int64_t default_ms);

// query_range's start, end and step, all required, checked as Prometheus checks them: end not
// before start, step positive, at most `max_points` points per series.
absl::StatusOr<promql::StepRange> ParsePromRange(const Request& request, uint64_t max_points);

// `timeout` when given (and positive), else `default_ms`; never more than `default_ms` (the
// server's limit).
absl::StatusOr<int64_t> PromTimeoutParam(const Request& request, int64_t default_ms);

// The match[] parameters, each a series selector (`up`, `{job="node"}`), as matcher sets for
// store::SeriesQuerier. `required`: at least one is needed (/api/v1/series).
absl::StatusOr<PromQueries::MatchSets> ParseMatchSets(const Request& request, const Limits& limits,
                                                      bool required);

// 11000 -> "11,000", as Prometheus writes its limit.
std::string GroupThousands(uint64_t n);

}  // namespace vigie::server::http
