#include "query/logql/log_range_values.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "common/time.h"
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

// Go's time.ParseDuration, in seconds.
absl::StatusOr<double> GoDuration(std::string_view text) {
  const std::string_view original = text;
  auto bad = [&] {
    return absl::InvalidArgumentError(StrCat("invalid duration \"", original, "\""));
  };
  double sign = 1;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    sign = text[0] == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  if (text == "0") return 0.0;
  if (text.empty()) return bad();
  struct Unit {
    std::string_view name;
    double seconds;
  };
  static constexpr Unit kUnits[] = {{"ns", 1e-9},        {"us", 1e-6}, {"\xC2\xB5s", 1e-6},
                                    {"\xCE\xBCs", 1e-6}, {"ms", 1e-3}, {"s", 1},
                                    {"m", 60},           {"h", 3600}};
  double total = 0;
  while (!text.empty()) {
    size_t n = 0;
    while (n < text.size() && (absl::ascii_isdigit(text[n]) || text[n] == '.')) ++n;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + n, value);
    if (n == 0 || ec != std::errc() || end != text.data() + n) return bad();
    text.remove_prefix(n);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      // The longest unit that matches: "ms" before "m".
      if (text.starts_with(u.name) && (!unit || u.name.size() > unit->name.size())) unit = &u;
    }
    if (!unit) return bad();
    text.remove_prefix(unit->name.size());
    total += value * unit->seconds;
  }
  return sign * total;
}

// go-humanize's ParseBytes: a number (commas allowed), optional spaces, an optional unit.
absl::StatusOr<double> HumanBytes(std::string_view text) {
  auto bad = [&] { return absl::InvalidArgumentError(StrCat("invalid byte size \"", text, "\"")); };
  std::string number;
  size_t i = 0;
  for (; i < text.size() && (absl::ascii_isdigit(text[i]) || text[i] == '.' || text[i] == ',');
       ++i) {
    if (text[i] != ',') number.push_back(text[i]);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size()) return bad();
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit = absl::AsciiStrToLower(std::string(text.substr(i)));
  if (unit.empty() || unit == "b") return value;
  static constexpr std::string_view kPrefixes = "kmgtpe";
  size_t power = kPrefixes.find(unit[0]);
  std::string_view rest = std::string_view(unit).substr(1);
  double base = 1000;
  if (rest.starts_with("i")) {
    base = 1024;
    rest.remove_prefix(1);
  }
  if (power == std::string_view::npos || !(rest.empty() || rest == "b")) return bad();
  return value * std::pow(base, static_cast<double>(power + 1));
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
  switch (conversion) {
    case Unwrap::Conversion::kDuration:
      return GoDuration(text);
    case Unwrap::Conversion::kBytes:
      return HumanBytes(text);
    case Unwrap::Conversion::kNumber:
      break;
  }
  std::string_view digits = text.starts_with('+') ? text.substr(1) : text;
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return absl::InvalidArgumentError(
        StrCat("strconv.ParseFloat: parsing \"", text, "\": invalid syntax"));
  }
  return value;
}

}  // namespace vigie::logql
