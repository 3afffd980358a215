#include "query/logql/time_bounds.h"

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::logql {

absl::Status CheckTimeRange(int64_t start_ns, int64_t end_ns, const Limits& limits) {
  if (end_ns < start_ns) {
    return absl::InvalidArgumentError("the end of the time range is before its start");
  }
  if (end_ns - start_ns > limits.max_query_range_ns) {
    return absl::InvalidArgumentError(StrCat(
        "the time range (", FormatDuration(end_ns - start_ns), ") is longer than the limit of ",
        FormatDuration(limits.max_query_range_ns), ": narrow it, or raise --max-query-range"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ResolveStep(int64_t start_ns, int64_t end_ns, int64_t step_ns,
                                    const Limits& limits) {
  if (step_ns <= 0) {
    step_ns = std::max<int64_t>((end_ns - start_ns) / 250 / kNanosPerSecond * kNanosPerSecond,
                                kNanosPerSecond);
  }
  int64_t points = (end_ns - start_ns) / step_ns + 1;
  if (points > limits.max_points_per_series) {
    return absl::InvalidArgumentError(StrCat("the query would return ", points,
                                             " points per series, above the maximum of ",
                                             limits.max_points_per_series, ": use a larger step"));
  }
  return step_ns;
}

}  // namespace vigie::logql
