#include "query/promql/range_functions.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "query/promql/histogram.h"
#include "query/promql/name_table.h"

namespace vigie::promql {
namespace {

using store::Sample;
using Result = std::optional<double>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// What every range function reads. `samples` is never empty (EvalRangeFunction answers an
// empty window itself).
struct Window {
  std::span<const Sample> samples;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t eval_ts_ms = 0;
  std::span<const double> args;
};

// One step of Neumaier's variant of Kahan summation, as Prometheus 2.42 sums
// sum_over_time, avg_over_time, stddev/stdvar_over_time and the regression sums: `sum` and the
// compensation `c` are updated by `inc`; the total is sum + c.
void KahanAdd(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000; }

// rate, increase and delta: the difference between the last and the first sample (counters:
// plus the value before each reset), extrapolated towards the window's edges. An edge closer
// than 1.1 average sample intervals is assumed to be where the series would have had a sample,
// so the line is extended to it; a farther one is assumed to be where the series started or
// stopped, so the line is extended by half an interval only. A counter is not extended below
// zero.
Result ExtrapolatedRate(const Window& w, bool is_counter, bool is_rate) {
  const std::span<const Sample> s = w.samples;
  if (s.size() < 2) return std::nullopt;
  const Sample& first = s.front();
  const Sample& last = s.back();

  double result = last.value - first.value;
  if (is_counter) {
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].value < s[i - 1].value) result += s[i - 1].value;
    }
  }

  double to_start = Seconds(first.ts_ms - w.start_ms);
  const double to_end = Seconds(w.end_ms - last.ts_ms);
  const double sampled = Seconds(last.ts_ms - first.ts_ms);
  const double average_interval = sampled / static_cast<double>(s.size() - 1);

  if (is_counter && result > 0 && first.value >= 0) {
    // Where the line through the samples reaches zero, if that is before the window's start.
    const double to_zero = sampled * (first.value / result);
    if (to_zero < to_start) to_start = to_zero;
  }

  const double threshold = average_interval * 1.1;
  double extrapolated = sampled;
  extrapolated += to_start < threshold ? to_start : average_interval / 2;
  extrapolated += to_end < threshold ? to_end : average_interval / 2;

  double factor = extrapolated / sampled;
  if (is_rate) factor /= Seconds(w.end_ms - w.start_ms);
  return result * factor;
}

// irate and idelta: the last two samples only. irate reads a decrease as a counter reset, the
// last value then being the increase.
Result InstantValue(const Window& w, bool is_rate) {
  const std::span<const Sample> s = w.samples;
  if (s.size() < 2) return std::nullopt;
  const Sample& last = s[s.size() - 1];
  const Sample& previous = s[s.size() - 2];
  double result = is_rate && last.value < previous.value ? last.value : last.value - previous.value;
  const int64_t interval_ms = last.ts_ms - previous.ts_ms;
  if (interval_ms == 0) return std::nullopt;
  if (is_rate) result /= Seconds(interval_ms);
  return result;
}

// The least-squares line through the samples, x being seconds from `intercept_ms`: its slope
// (per second) and its value at `intercept_ms`. A constant series has slope 0 (NaN, NaN when
// the constant is infinite), whatever rounding the sums would do.
std::pair<double, double> LinearRegression(std::span<const Sample> s, int64_t intercept_ms) {
  double n = 0;
  double sum_x = 0, c_x = 0;
  double sum_y = 0, c_y = 0;
  double sum_xy = 0, c_xy = 0;
  double sum_x2 = 0, c_x2 = 0;
  const double first_y = s[0].value;
  bool constant_y = true;
  for (size_t i = 0; i < s.size(); ++i) {
    // NaN != NaN: a NaN makes the series non-constant, as in Prometheus.
    if (constant_y && i > 0 && s[i].value != first_y) constant_y = false;
    n += 1.0;
    const double x = static_cast<double>(s[i].ts_ms - intercept_ms) / 1e3;
    KahanAdd(x, sum_x, c_x);
    KahanAdd(s[i].value, sum_y, c_y);
    KahanAdd(x * s[i].value, sum_xy, c_xy);
    KahanAdd(x * x, sum_x2, c_x2);
  }
  if (constant_y) {
    if (std::isinf(first_y)) return {kNaN, kNaN};
    return {0, first_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  const double intercept = sum_y / n - slope * sum_x / n;
  return {slope, intercept};
}

// Double exponential smoothing: s_i = sf * x_i + (1 - sf) * (s_{i-1} + b_{i-1}), with the
// trend b_i = tf * (s_i - s_{i-1}) + (1 - tf) * b_{i-1}, s_0 = x_0, b_0 = x_1 - x_0.
Result HoltWinters(const Window& w) {
  const std::span<const Sample> s = w.samples;
  if (s.size() < 2) return std::nullopt;
  const double sf = w.args[0];
  const double tf = w.args[1];
  double previous = 0;  // s_{i-2}; unused for i = 1, where the trend is b_0.
  double smoothed = s[0].value;
  double trend = s[1].value - s[0].value;
  for (size_t i = 1; i < s.size(); ++i) {
    if (i > 1) trend = tf * (smoothed - previous) + (1 - tf) * trend;
    const double next = sf * s[i].value + (1 - sf) * (smoothed + trend);
    previous = smoothed;
    smoothed = next;
  }
  return smoothed;
}

// The incremental mean, Kahan-compensated, kept finite-safe as Prometheus keeps it: once the
// mean is infinite, it stays so unless a NaN or an infinity of the other sign comes.
double AverageOverTime(std::span<const Sample> s) {
  double mean = 0, c = 0, count = 0;
  for (const Sample& sample : s) {
    const double v = sample.value;
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(v) && (mean > 0) == (v > 0)) continue;
      if (!std::isinf(v) && !std::isnan(v)) continue;
    }
    KahanAdd(v / count - mean / count, mean, c);
  }
  return std::isinf(mean) ? mean : mean + c;
}

double SumOverTime(std::span<const Sample> s) {
  double sum = 0, c = 0;
  for (const Sample& sample : s) KahanAdd(sample.value, sum, c);
  return std::isinf(sum) ? sum : sum + c;
}

// The population variance, by Welford's method with compensated sums.
double VarianceOverTime(std::span<const Sample> s) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Sample& sample : s) {
    count++;
    const double delta = sample.value - (mean + c_mean);
    KahanAdd(delta / count, mean, c_mean);
    KahanAdd(delta * (sample.value - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

// min_over_time (want_max false) and max_over_time: NaN only when every value is NaN.
double ExtremeOverTime(std::span<const Sample> s, bool want_max) {
  double extreme = s[0].value;
  for (const Sample& sample : s) {
    const bool better = want_max ? sample.value > extreme : sample.value < extreme;
    if (better || std::isnan(extreme)) extreme = sample.value;
  }
  return extreme;
}

// changes (count_resets false): values that differ from the previous one, NaN equal to NaN;
// resets: values below the previous one.
double CountTransitions(std::span<const Sample> s, bool count_resets) {
  double count = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const double previous = s[i - 1].value;
    const double current = s[i].value;
    const bool counted =
        count_resets ? current < previous
                     : current != previous && !(std::isnan(current) && std::isnan(previous));
    if (counted) count++;
  }
  return count;
}

using Impl = Result (*)(const Window& w);

struct Entry {
  std::string_view name;
  Impl impl;
};

// Sorted by name.
constexpr Entry kRangeFunctions[] = {
    {"absent_over_time", [](const Window&) -> Result { return 1.0; }},
    {"avg_over_time", [](const Window& w) -> Result { return AverageOverTime(w.samples); }},
    {"changes", [](const Window& w) -> Result { return CountTransitions(w.samples, false); }},
    {"count_over_time",
     [](const Window& w) -> Result { return static_cast<double>(w.samples.size()); }},
    {"delta", [](const Window& w) { return ExtrapolatedRate(w, false, false); }},
    {"deriv",
     [](const Window& w) -> Result {
       if (w.samples.size() < 2) return std::nullopt;
       // x measured from the first sample, so that large timestamps lose no precision.
       return LinearRegression(w.samples, w.samples[0].ts_ms).first;
     }},
    {"holt_winters", HoltWinters},
    {"idelta", [](const Window& w) { return InstantValue(w, false); }},
    {"increase", [](const Window& w) { return ExtrapolatedRate(w, true, false); }},
    {"irate", [](const Window& w) { return InstantValue(w, true); }},
    {"last_over_time", [](const Window& w) -> Result { return w.samples.back().value; }},
    {"max_over_time", [](const Window& w) -> Result { return ExtremeOverTime(w.samples, true); }},
    {"min_over_time", [](const Window& w) -> Result { return ExtremeOverTime(w.samples, false); }},
    {"predict_linear",
     [](const Window& w) -> Result {
       if (w.samples.size() < 2) return std::nullopt;
       const auto [slope, intercept] = LinearRegression(w.samples, w.eval_ts_ms);
       return slope * w.args[0] + intercept;
     }},
    {"present_over_time", [](const Window&) -> Result { return 1.0; }},
    {"quantile_over_time",
     [](const Window& w) -> Result {
       std::vector<double> values;
       values.reserve(w.samples.size());
       for (const Sample& s : w.samples) values.push_back(s.value);
       return Quantile(w.args[0], std::move(values));
     }},
    {"rate", [](const Window& w) { return ExtrapolatedRate(w, true, true); }},
    {"resets", [](const Window& w) -> Result { return CountTransitions(w.samples, true); }},
    {"stddev_over_time",
     [](const Window& w) -> Result { return std::sqrt(VarianceOverTime(w.samples)); }},
    {"stdvar_over_time", [](const Window& w) -> Result { return VarianceOverTime(w.samples); }},
    {"sum_over_time", [](const Window& w) -> Result { return SumOverTime(w.samples); }},
};

static_assert(IsSortedByName(kRangeFunctions));

// Go's %f: six decimals, and NaN, +Inf, -Inf spelled as Go spells them.
std::string GoFixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%f", v);
}

}  // namespace

bool IsRangeFunction(std::string_view name) { return FindByName(kRangeFunctions, name) != nullptr; }

RangeFunction::RangeFunction(const Function& f) : entry_(FindByName(kRangeFunctions, f.name)) {}

std::optional<double> RangeFunction::operator()(std::span<const store::Sample> window,
                                                int64_t window_start_ms, int64_t window_end_ms,
                                                int64_t eval_ts_ms,
                                                std::span<const double> scalar_args) const {
  const auto* entry = static_cast<const Entry*>(entry_);
  if (entry == nullptr || window.empty()) return std::nullopt;
  return entry->impl(Window{window, window_start_ms, window_end_ms, eval_ts_ms, scalar_args});
}

std::optional<double> EvalRangeFunction(const Function& f, std::span<const store::Sample> window,
                                        int64_t window_start_ms, int64_t window_end_ms,
                                        int64_t eval_ts_ms, std::span<const double> scalar_args) {
  return RangeFunction(f)(window, window_start_ms, window_end_ms, eval_ts_ms, scalar_args);
}

std::optional<std::string> HoltWintersArgumentError(double smoothing_factor, double trend_factor) {
  if (smoothing_factor <= 0 || smoothing_factor >= 1) {
    return "invalid smoothing factor. Expected: 0 < sf < 1, got: " + GoFixed(smoothing_factor);
  }
  if (trend_factor <= 0 || trend_factor >= 1) {
    return "invalid trend factor. Expected: 0 < tf < 1, got: " + GoFixed(trend_factor);
  }
  return std::nullopt;
}

}  // namespace vigie::promql
