// The PromQL functions that map each sample of an instant vector to a new value on its own
// (abs, ceil, round, clamp, trigonometry, the date functions...), with Prometheus 2.42's
// arithmetic, so that results match Prometheus's bit for bit where Go's math library and the C
// library agree (they may differ in the last place for exp, ln, trigonometry). The evaluator
// handles labels (these functions drop the metric name); pi(), time(), timestamp(), vector(),
// scalar(), sort() and the label functions are the evaluator's.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "query/promql/functions.h"

namespace vigie::promql {

// Whether EvalElementwise implements the function called `name`.
bool IsElementwiseFunction(std::string_view name);

// The value `f` gives the sample value `v`. `scalar_args` are the call's scalar arguments after
// the vector, already evaluated: round's to_nearest (default 1 when absent), clamp's min and
// max, clamp_min's min, clamp_max's max.
//
// nullopt means the sample has no output: only clamp(v, min, max) with max < min, which then
// drops every sample (Prometheus returns an empty vector). A NaN bound gives NaN values.
//
// The date functions (day_of_month, day_of_week, day_of_year, days_in_month, hour, minute,
// month, year) read `v` as Unix seconds, truncated to whole seconds, in UTC, as Prometheus does
// (NaN and values beyond int64 read as Go on amd64 reads them: the smallest int64). Called
// with no argument they use the evaluation time: pass v = ts_ms / 1000 (integer division).
//
// Precondition: IsElementwiseFunction(f.name) and scalar_args has the call's arity.
std::optional<double> EvalElementwise(const Function& f, double v,
                                      std::span<const double> scalar_args);

}  // namespace vigie::promql
