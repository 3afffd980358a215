#include "query/logql/log_range_values.h"

#include <cmath>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/label_filter.h"
#include "query/promql/histogram.h"

namespace vigie::logql {
namespace {

double Seconds(int64_t nanos) { return static_cast<double>(nanos) / kNanosPerSecond; }

double Sum(std::span<const LogSample> window) {
  double sum = 0;
  for (const LogSample& s : window) sum += s.value;
  return sum;
}

// Loki's incremental mean, which keeps an infinite mean rather than making it NaN.
double Mean(std::span<const LogSample> window) {
  double mean = 0, count = 0;
  for (const LogSample& s : window) {
    ++count;
    if (std::isinf(mean)) {
      if (std::isinf(s.value) && (mean > 0) == (s.value > 0)) continue;
      if (!std::isinf(s.value) && !std::isnan(s.value)) continue;
    }
    mean += s.value / count - mean / count;
  }
  return mean;
}

// Welford's variance over the window, as Loki computes it.
double Variance(std::span<const LogSample> window) {
  double aux = 0, count = 0, mean = 0;
  for (const LogSample& s : window) {
    ++count;
    double delta = s.value - mean;
    mean += delta / count;
    aux += delta * (s.value - mean);
  }
  return aux / count;
}

// min (less = true) or max, where a NaN is replaced by whatever follows it.
double Extreme(std::span<const LogSample> window, bool less) {
  double best = window.front().value;
  for (const LogSample& s : window) {
    if ((less ? s.value < best : s.value > best) || std::isnan(best)) best = s.value;
  }
  return best;
}

// Loki's rate_counter: Prometheus's extrapolated counter rate as Loki adapted it, whose window
// starts one range before the first sample and ends at the last one.
double CounterRate(std::span<const LogSample> window, int64_t range_ns) {
  if (window.size() < 2) return 0;
  // Loki works in milliseconds here.
  auto ms = [](int64_t ns) { return ns / 1'000'000; };
  const int64_t first_ms = ms(window.front().ts_ns), last_ms = ms(window.back().ts_ns);
  const int64_t range_start_ms = first_ms - ms(range_ns);
  double result = window.back().value - window.front().value;
  double last_value = 0;
  for (const LogSample& s : window) {
    if (s.value < last_value) result += last_value;
    last_value = s.value;
  }
  double to_start = static_cast<double>(first_ms - range_start_ms) / 1000;
  double to_end = 0;  // The window ends at the last sample.
  double sampled = static_cast<double>(last_ms - first_ms) / 1000;
  double average_gap = sampled / static_cast<double>(window.size() - 1);
  if (result > 0 && window.front().value >= 0) {
    to_start = std::min(to_start, sampled * (window.front().value / result));
  }
  const double threshold = average_gap * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average_gap / 2;
  interval += to_end < threshold ? to_end : average_gap / 2;
  return result * (interval / sampled) / Seconds(range_ns);
}

}  // namespace

double RangeValue(const RangeAggregation& agg, std::span<const LogSample> window) {
  const double range_s = Seconds(agg.range_ns);
  switch (agg.op) {
    case RangeOp::kCountOverTime:
      return static_cast<double>(window.size());
    case RangeOp::kRate:
      return (agg.unwrap ? Sum(window) : static_cast<double>(window.size())) / range_s;
    case RangeOp::kBytesOverTime:
    case RangeOp::kSumOverTime:
      return Sum(window);
    case RangeOp::kBytesRate:
      return Sum(window) / range_s;
    case RangeOp::kAbsentOverTime:
      return 1;
    case RangeOp::kAvgOverTime:
      return Mean(window);
    case RangeOp::kMinOverTime:
      return Extreme(window, /*less=*/true);
    case RangeOp::kMaxOverTime:
      return Extreme(window, /*less=*/false);
    case RangeOp::kFirstOverTime:
      return window.front().value;
    case RangeOp::kLastOverTime:
      return window.back().value;
    case RangeOp::kStdvarOverTime:
      return Variance(window);
    case RangeOp::kStddevOverTime:
      return std::sqrt(Variance(window));
    case RangeOp::kQuantileOverTime: {
      std::vector<double> values;
      values.reserve(window.size());
      for (const LogSample& s : window) values.push_back(s.value);
      return promql::Quantile(agg.parameter, std::move(values));
    }
    case RangeOp::kRateCounter:
      return CounterRate(window, agg.range_ns);
  }
  return 0;
}

absl::StatusOr<double> ConvertUnwrapped(Unwrap::Conversion conversion, std::string_view text) {
  // The messages are Go's, which Loki shows in __error_details__.
  switch (conversion) {
    case Unwrap::Conversion::kNumber:
      if (std::optional<double> value = ParseGoFloat(text)) return *value;
      break;
    case Unwrap::Conversion::kDuration:
      if (std::optional<int64_t> nanos = ParseGoDuration(text)) return Seconds(*nanos);
      return absl::InvalidArgumentError(StrCat("time: invalid duration \"", text, "\""));
    case Unwrap::Conversion::kBytes:
      if (std::optional<uint64_t> bytes = ParseHumanBytes(text)) return static_cast<double>(*bytes);
      break;
  }
  return absl::InvalidArgumentError(
      StrCat("strconv.ParseFloat: parsing \"", text, "\": invalid syntax"));
}

}  // namespace vigie::logql
