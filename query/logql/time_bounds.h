// The time range and step that every query over logs is held to: Engine::CheckParams applies
// them to LogQL queries, the HTTP index endpoints (volume_range) to their windows.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/limits.h"

namespace vigie::logql {

// InvalidArgument when end is before start, or when the range is longer than
// limits.max_query_range_ns (naming --max-query-range).
absl::Status CheckTimeRange(int64_t start_ns, int64_t end_ns, const Limits& limits);

// `step_ns`, or when it is 0 Loki's default: a 250th of [start, end] in whole seconds, at least
// 1 s. InvalidArgument when the range would take more than limits.max_points_per_series steps.
absl::StatusOr<int64_t> ResolveStep(int64_t start_ns, int64_t end_ns, int64_t step_ns,
                                    const Limits& limits);

}  // namespace vigie::logql
