// Alertmanager's time intervals (`time_intervals:` and the older `mute_time_intervals:`): named
// sets of periods (times of day, weekdays, days of the month, months, years, in a time zone)
// during which a route is muted (mute_time_intervals) or outside of which it is (active_time_
// intervals). Same semantics as Alertmanager 0.25's timeinterval package.
//
// Thread safety: immutable after parsing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace YAML {
class Node;
}

namespace vigie::alerts {

struct InclusiveRange {
  int begin = 0;
  int end = 0;
};

// One period: every listed field must contain the time (an absent field contains all times).
struct TimePeriod {
  std::vector<std::pair<int, int>> times;     // Minutes of the day, [start, end).
  std::vector<InclusiveRange> weekdays;       // 0 = Sunday.
  std::vector<InclusiveRange> days_of_month;  // Negative: from the month's end (-1 = last day).
  std::vector<InclusiveRange> months;         // 1 = January.
  std::vector<InclusiveRange> years;
  std::optional<absl::TimeZone> location;  // UTC when absent.
  bool has_times = false, has_weekdays = false, has_days = false, has_months = false,
       has_years = false;

  bool Contains(int64_t unix_ms) const;
};

// A named interval: the time is in it when it is in any of its periods.
using TimeIntervals = std::map<std::string, std::vector<TimePeriod>>;

// Parses one period (a map with times, weekdays, days_of_month, months, years, location).
// Errors name the field and the reason (the caller adds file and line).
absl::StatusOr<TimePeriod> ParseTimePeriod(const YAML::Node& node);

// Whether `unix_ms` is in any of the intervals named.
bool InTimeIntervals(const TimeIntervals& intervals, const std::vector<std::string>& names,
                     int64_t unix_ms);

}  // namespace vigie::alerts
