// Time parsing and formatting shared by the server, the CLI and the collector.
// All times are int64 nanoseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie {

constexpr int64_t kNanosPerMilli = 1'000'000;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

int64_t NowNanos();
// Nanoseconds on a monotonic clock, for deadlines and durations: unlike NowNanos, it never
// jumps when the wall clock is set.
int64_t MonotonicNanos();
// CPU time (user and system) the calling thread has used, in nanoseconds: what a phase of work
// costs, without the time the thread waited. A system call (no vDSO), ~0.3 us: for timing whole
// blocks of work, not single lines.
int64_t ThreadCpuNanos();

// Seconds since the epoch of a UTC civil time. Fields are not validated; out-of-range ones
// carry over (month 13 is January of the next year), as with timegm.
int64_t UtcSeconds(int year, int month, int day, int hour, int minute, int second);

// `seconds` since the epoch plus `fraction_ns` (0 to 999,999,999), in nanoseconds; false when
// that does not fit in an int64 (before 1677 or after 2262).
bool SecondsToNanos(int64_t seconds, int64_t fraction_ns, int64_t* nanos);

// Parses a Prometheus-style duration: one or more <number><unit> with units
// ns, us, µs, ms, s, m, h, d, w, y ("1h30m", "30d", "250ms"). A plain number is seconds.
absl::StatusOr<int64_t> ParseDuration(std::string_view text);

// Formats as the shortest Prometheus-style duration ("1h30m", "5m", "250ms").
std::string FormatDuration(int64_t nanos);

// RFC 3339 in UTC with nanoseconds: 2024-05-01T12:00:00.123456789Z.
std::string FormatRfc3339Nano(int64_t nanos);

// RFC 3339 in UTC to the millisecond, the fraction left out when zero: 2024-05-01T12:00:00.123Z,
// 2024-05-01T12:00:00Z.
std::string FormatRfc3339Millis(int64_t millis);

// Parses a point in time the way Loki's HTTP API does: RFC 3339 (with optional fraction and
// offset), a decimal number of seconds ("1714564800.5"), or an integer: seconds when it has at
// most 10 digits, nanoseconds otherwise.
absl::StatusOr<int64_t> ParseTime(std::string_view text);

}  // namespace vigie
