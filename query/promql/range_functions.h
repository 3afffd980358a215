// The PromQL functions of a range vector (rate, increase, delta, irate, idelta, the
// *_over_time functions, changes, resets, deriv, predict_linear, holt_winters), computed on the
// window of one series with Prometheus 2.42's arithmetic. Storage-free: the evaluator selects
// each window's samples (Prometheus 2.42 takes those in [end - range, end], both ends
// included), removes staleness markers and handles labels.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "query/promql/functions.h"
#include "store/series.h"

namespace vigie::promql {

// Whether EvalRangeFunction implements the function called `name`.
bool IsRangeFunction(std::string_view name);

// The value of range function `f` for one series at one step, or nullopt when the series has
// no output there (an empty window; fewer than 2 samples for rate, increase, delta, irate,
// idelta, deriv, predict_linear and holt_winters; irate/idelta of two samples at one time).
//
//   window           the series' samples in the window, ascending time, no staleness markers.
//   window_start_ms  the window's edges: the evaluation time moved by offset and @, and that
//   window_end_ms    minus the range. rate, increase and delta extrapolate to them; rate
//                    divides by their distance.
//   eval_ts_ms       the evaluation time (the step), before offset and @: predict_linear
//                    predicts `scalar_args[0]` seconds after it, not after the window's end,
//                    as Prometheus does.
//   scalar_args      the call's scalar arguments in order, the range vector left out:
//                    quantile_over_time's φ, predict_linear's seconds, holt_winters's sf, tf.
//
// absent_over_time gives 1 for a non-empty window (the evaluator builds absent's labels).
// holt_winters's factors must have passed HoltWintersArgumentError.
// Precondition: IsRangeFunction(f.name) and scalar_args has the call's arity.
std::optional<double> EvalRangeFunction(const Function& f, std::span<const store::Sample> window,
                                        int64_t window_start_ms, int64_t window_end_ms,
                                        int64_t eval_ts_ms, std::span<const double> scalar_args);

// EvalRangeFunction with the function looked up once, for the windows of many series and steps.
class RangeFunction {
 public:
  // Precondition: IsRangeFunction(f.name). `f` is not kept.
  explicit RangeFunction(const Function& f);
  std::optional<double> operator()(std::span<const store::Sample> window, int64_t window_start_ms,
                                   int64_t window_end_ms, int64_t eval_ts_ms,
                                   std::span<const double> scalar_args) const;

 private:
  const void* entry_;  // Its entry in range_functions.cc's table.
};

// Prometheus's error for holt_winters factors outside (0, 1), e.g. "invalid smoothing factor.
// Expected: 0 < sf < 1, got: 1.000000", or nullopt when both are valid (NaN is: Prometheus's
// check lets it through and the result is NaN). Prometheus fails the query with it when the
// function first runs on a non-empty window, not when no series is selected.
std::optional<std::string> HoltWintersArgumentError(double smoothing_factor, double trend_factor);

}  // namespace vigie::promql
