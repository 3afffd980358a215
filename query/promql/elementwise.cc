#include "query/promql/elementwise.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "query/promql/name_table.h"

namespace vigie::promql {
namespace {

using Args = std::span<const double>;
using Result = std::optional<double>;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Go's math.Max and math.Min, which clamp uses: +Inf (-Inf) wins over NaN, NaN over numbers,
// and +0 is above -0. std::fmax/fmin ignore NaN instead.
double GoMax(double x, double y) {
  if (x == kInf || y == kInf) return kInf;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

double GoMin(double x, double y) {
  if (x == -kInf || y == -kInf) return -kInf;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// --- Dates, computed as Go's time package computes them, so that every int64 second (and the
// wrap-around of Prometheus's conversions) gives Prometheus's answer.

// Go's int64(v) on amd64: truncation toward zero; NaN and out-of-range values give the
// smallest int64 (the CPU's "integer indefinite" value).
int64_t GoFloatToInt64(double v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(v) || v >= kTwo63 || v < -kTwo63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

constexpr uint64_t kSecondsPerDay = 86400;
constexpr uint64_t kDaysPer400Years = 365 * 400 + 97;
constexpr uint64_t kDaysPer100Years = 365 * 100 + 24;
constexpr uint64_t kDaysPer4Years = 365 * 4 + 1;
// Go counts days from January 1 of its "absolute zero year", -292277022399 (1 mod 400, so that
// 400-year cycles start there): year 1 is 292277022400 * 365.2425 = 106751990353932 days
// after it, 1970 another 719162 days later. Go adds a Unix time and this offset in int64
// arithmetic that wraps, as the uint64 sum below does.
constexpr int64_t kAbsoluteZeroYear = -292277022399;
constexpr uint64_t kUnixToAbsolute = (106751990353932u + 719162u) * kSecondsPerDay;
// Days before the first of each month (index 0 = January) in a common year.
constexpr int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

bool IsLeap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

struct CivilTime {
  uint64_t absolute = 0;  // Seconds since Go's absolute zero.
  int64_t year = 0;
  int month = 1;     // 1..12
  int day = 1;       // 1..31
  int year_day = 0;  // 0..365
};

CivilTime ToCivil(double unix_seconds) {
  CivilTime t;
  t.absolute = static_cast<uint64_t>(GoFloatToInt64(unix_seconds)) + kUnixToAbsolute;
  uint64_t d = t.absolute / kSecondsPerDay;
  // 400-year cycles, then 100-year cycles (the last of which is a day longer, hence n >> 2),
  // then 4-year cycles, then years (the last of which is a leap year, hence n >> 2 again).
  uint64_t n = d / kDaysPer400Years;
  uint64_t y = 400 * n;
  d -= kDaysPer400Years * n;
  n = d / kDaysPer100Years;
  n -= n >> 2;
  y += 100 * n;
  d -= kDaysPer100Years * n;
  n = d / kDaysPer4Years;
  y += 4 * n;
  d -= kDaysPer4Years * n;
  n = d / 365;
  n -= n >> 2;
  y += n;
  d -= 365 * n;
  t.year = static_cast<int64_t>(y) + kAbsoluteZeroYear;
  t.year_day = static_cast<int>(d);

  int day = t.year_day;
  if (IsLeap(t.year)) {
    if (day == 31 + 29 - 1) {
      t.month = 2;
      t.day = 29;
      return t;
    }
    if (day > 31 + 29 - 1) --day;  // After the leap day: as in a common year.
  }
  int month = day / 31;  // 0-based; too low by at most one.
  if (day >= kDaysBefore[month + 1]) ++month;
  t.month = month + 1;
  t.day = day - kDaysBefore[month] + 1;
  return t;
}

int DaysInMonth(int64_t year, int month) {
  if (month == 2 && IsLeap(year)) return 29;
  return kDaysBefore[month] - kDaysBefore[month - 1];
}

// --- The table.

using Impl = Result (*)(double v, Args args);

struct Entry {
  std::string_view name;
  Impl impl;
};

// Sorted by name.
constexpr Entry kElementwise[] = {
    {"abs", [](double v, Args) -> Result { return std::fabs(v); }},
    {"acos", [](double v, Args) -> Result { return std::acos(v); }},
    {"acosh", [](double v, Args) -> Result { return std::acosh(v); }},
    {"asin", [](double v, Args) -> Result { return std::asin(v); }},
    {"asinh", [](double v, Args) -> Result { return std::asinh(v); }},
    {"atan", [](double v, Args) -> Result { return std::atan(v); }},
    {"atanh", [](double v, Args) -> Result { return std::atanh(v); }},
    {"ceil", [](double v, Args) -> Result { return std::ceil(v); }},
    {"clamp",
     [](double v, Args args) -> Result {
       if (args[1] < args[0]) return std::nullopt;
       return GoMax(args[0], GoMin(args[1], v));
     }},
    {"clamp_max", [](double v, Args args) -> Result { return GoMin(args[0], v); }},
    {"clamp_min", [](double v, Args args) -> Result { return GoMax(args[0], v); }},
    {"cos", [](double v, Args) -> Result { return std::cos(v); }},
    {"cosh", [](double v, Args) -> Result { return std::cosh(v); }},
    {"day_of_month", [](double v, Args) -> Result { return ToCivil(v).day; }},
    {"day_of_week",
     [](double v, Args) -> Result {
       // Go's absolute zero is a Monday; Sunday is 0.
       return static_cast<double>((ToCivil(v).absolute + kSecondsPerDay) % (7 * kSecondsPerDay) /
                                  kSecondsPerDay);
     }},
    {"day_of_year", [](double v, Args) -> Result { return ToCivil(v).year_day + 1; }},
    {"days_in_month",
     [](double v, Args) -> Result {
       const CivilTime t = ToCivil(v);
       return DaysInMonth(t.year, t.month);
     }},
    {"deg", [](double v, Args) -> Result { return v * 180 / std::numbers::pi; }},
    {"exp", [](double v, Args) -> Result { return std::exp(v); }},
    {"floor", [](double v, Args) -> Result { return std::floor(v); }},
    {"hour",
     [](double v, Args) -> Result {
       return static_cast<double>(ToCivil(v).absolute % kSecondsPerDay / 3600);
     }},
    {"ln", [](double v, Args) -> Result { return std::log(v); }},
    {"log10", [](double v, Args) -> Result { return std::log10(v); }},
    {"log2", [](double v, Args) -> Result { return std::log2(v); }},
    {"minute",
     [](double v, Args) -> Result { return static_cast<double>(ToCivil(v).absolute % 3600 / 60); }},
    {"month", [](double v, Args) -> Result { return ToCivil(v).month; }},
    {"rad", [](double v, Args) -> Result { return v * std::numbers::pi / 180; }},
    {"round",
     [](double v, Args args) -> Result {
       // Ties round up. Prometheus multiplies by the inverse of to_nearest, which it found to
       // lose less precision than dividing by it.
       const double inverse = 1.0 / (args.empty() ? 1.0 : args[0]);
       return std::floor(v * inverse + 0.5) / inverse;
     }},
    {"sgn",
     [](double v, Args) -> Result {
       if (v < 0) return -1.0;
       if (v > 0) return 1.0;
       return v;  // ±0 and NaN are their own sign.
     }},
    {"sin", [](double v, Args) -> Result { return std::sin(v); }},
    {"sinh", [](double v, Args) -> Result { return std::sinh(v); }},
    {"sqrt", [](double v, Args) -> Result { return std::sqrt(v); }},
    {"tan", [](double v, Args) -> Result { return std::tan(v); }},
    {"tanh", [](double v, Args) -> Result { return std::tanh(v); }},
    {"year", [](double v, Args) -> Result { return static_cast<double>(ToCivil(v).year); }},
};

static_assert(IsSortedByName(kElementwise));

}  // namespace

bool IsElementwiseFunction(std::string_view name) {
  return FindByName(kElementwise, name) != nullptr;
}

std::optional<double> EvalElementwise(const Function& f, double v,
                                      std::span<const double> scalar_args) {
  const Entry* entry = FindByName(kElementwise, f.name);
  return entry == nullptr ? std::nullopt : entry->impl(v, scalar_args);
}

}  // namespace vigie::promql
