// The bounds on what one query text can multiply: the data a metric query reads (its time range
// plus its [range]), the line filters every scanned line goes through, and the matchers every
// stream goes through. The engine checks them in Engine::CheckParams, on the server, against the
// server's limits (the CLI's own parse uses the defaults and must not refuse what vigied allows).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "common/limits.h"
#include "query/logql/ast.h"

namespace vigie::logql {

// OK, or InvalidArgument naming the bound, its value and its flag, and what to change:
// - a range selector ([5m]) longer than limits.max_query_range_ns;
// - a metric query whose time range plus range selector exceeds limits.max_query_range_ns;
// - an offset reaching before the earliest representable time;
// - more line filters than limits.max_line_filters_per_query;
// - more label matchers than limits.max_matchers_per_query.
// [start_ns, end_ns] is the query's time range (end >= start).
absl::Status CheckQueryBounds(const Query& query, int64_t start_ns, int64_t end_ns,
                              const Limits& limits);

}  // namespace vigie::logql
