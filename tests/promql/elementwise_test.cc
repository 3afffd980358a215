// The per-sample functions: math, rounding, clamping (Go's min/max rules), and the date
// functions at month, year and leap-year edges. Unix times are derived in the comments.
#include "query/promql/elementwise.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::promql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The value of `name`(v, args...), NaN standing for "no output" being checked separately.
std::optional<double> Eval(std::string_view name, double v, std::vector<double> args = {}) {
  const Function* f = FindFunction(name);
  EXPECT_NE(f, nullptr) << name;
  return EvalElementwise(*f, v, args);
}

double Value(std::string_view name, double v, std::vector<double> args = {}) {
  std::optional<double> out = Eval(name, v, std::move(args));
  EXPECT_TRUE(out.has_value()) << name << "(" << v << ")";
  return out.value_or(-12345);
}

TEST(ElementwiseTest, EveryFunctionOfOneSampleIsImplemented) {
  // Functions from instant vector to instant vector that look at one sample at a time; the
  // others (absent, sort, label_*, histogram_*, timestamp) need the whole vector or labels.
  for (std::string_view name :
       {"abs",    "acos",         "acosh",       "asin",        "asinh",         "atan",
        "atanh",  "ceil",         "clamp",       "clamp_max",   "clamp_min",     "cos",
        "cosh",   "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
        "exp",    "floor",        "hour",        "ln",          "log10",         "log2",
        "minute", "month",        "rad",         "round",       "sgn",           "sin",
        "sinh",   "sqrt",         "tan",         "tanh",        "year"}) {
    EXPECT_NE(FindFunction(name), nullptr) << name;
    EXPECT_TRUE(IsElementwiseFunction(name)) << name;
  }
  for (std::string_view name : {"rate", "timestamp", "sort", "absent", "pi", "vector", "nope"}) {
    EXPECT_FALSE(IsElementwiseFunction(name)) << name;
  }
}

TEST(ElementwiseTest, Math) {
  EXPECT_EQ(Value("abs", -2.5), 2.5);
  EXPECT_EQ(Value("ceil", 1.2), 2);
  EXPECT_EQ(Value("floor", -1.2), -2);
  EXPECT_EQ(Value("exp", 0), 1);
  EXPECT_EQ(Value("sqrt", 16), 4);
  EXPECT_TRUE(std::isnan(Value("sqrt", -1)));
  EXPECT_DOUBLE_EQ(Value("ln", std::numbers::e), 1);
  EXPECT_EQ(Value("ln", 0), -kInf);
  EXPECT_EQ(Value("log2", 8), 3);
  EXPECT_EQ(Value("log10", 1000), 3);
  EXPECT_DOUBLE_EQ(Value("deg", std::numbers::pi), 180);
  EXPECT_DOUBLE_EQ(Value("rad", 180), std::numbers::pi);
  EXPECT_DOUBLE_EQ(Value("cos", std::numbers::pi), -1);
  EXPECT_DOUBLE_EQ(Value("atan", 1), std::numbers::pi / 4);
  EXPECT_EQ(Value("tanh", kInf), 1);
  EXPECT_EQ(Value("atanh", 1), kInf);
  EXPECT_TRUE(std::isnan(Value("acosh", 0.5)));
}

TEST(ElementwiseTest, SignKeepsZeroAndNaN) {
  EXPECT_EQ(Value("sgn", -3), -1);
  EXPECT_EQ(Value("sgn", 0.001), 1);
  EXPECT_EQ(Value("sgn", -kInf), -1);
  EXPECT_EQ(Value("sgn", 0), 0);
  EXPECT_TRUE(std::signbit(Value("sgn", -0.0)));
  EXPECT_TRUE(std::isnan(Value("sgn", kNaN)));
}

TEST(ElementwiseTest, RoundTiesUpToNearest) {
  // floor(v / to_nearest + 0.5) * to_nearest.
  EXPECT_EQ(Value("round", 2.5), 3);
  EXPECT_EQ(Value("round", -2.5), -2);                 // floor(-2.0).
  EXPECT_EQ(Value("round", -2.6), -3);                 // floor(-2.1).
  EXPECT_EQ(Value("round", 7, {5}), 5);                // floor(1.4 + 0.5) / 0.2.
  EXPECT_EQ(Value("round", 7.5, {5}), 10);             // floor(1.5 + 0.5) / 0.2.
  EXPECT_DOUBLE_EQ(Value("round", 1.25, {0.1}), 1.3);  // floor(12.5 + 0.5) / 10.
  EXPECT_TRUE(std::isnan(Value("round", kNaN)));
}

TEST(ElementwiseTest, ClampFollowsGoMinAndMax) {
  EXPECT_EQ(Value("clamp", 5, {0, 3}), 3);
  EXPECT_EQ(Value("clamp", -1, {0, 3}), 0);
  EXPECT_EQ(Value("clamp", 2, {2, 2}), 2);
  // max < min: no output for any sample.
  EXPECT_FALSE(Eval("clamp", 1, {3, 0}).has_value());
  // A NaN bound is not "max < min": every value becomes NaN.
  EXPECT_TRUE(std::isnan(Value("clamp", 1, {kNaN, 3})));
  EXPECT_EQ(Value("clamp_max", 10, {4}), 4);
  EXPECT_EQ(Value("clamp_min", -10, {4}), 4);
  EXPECT_TRUE(std::isnan(Value("clamp_max", kNaN, {1})));
  EXPECT_TRUE(std::isnan(Value("clamp_min", 5, {kNaN})));
  // Go's math.Min(x, -Inf) is -Inf and math.Max(x, +Inf) is +Inf even for NaN x.
  EXPECT_EQ(Value("clamp_max", kNaN, {-kInf}), -kInf);
  EXPECT_EQ(Value("clamp_min", kNaN, {kInf}), kInf);
  // +0 is above -0.
  EXPECT_FALSE(std::signbit(Value("clamp_min", -0.0, {0.0})));
  EXPECT_TRUE(std::signbit(Value("clamp_max", 0.0, {-0.0})));
}

// The date functions of one time, in the order: year month day_of_month hour minute
// day_of_year day_of_week days_in_month.
std::vector<double> Date(double unix_seconds) {
  std::vector<double> out;
  for (std::string_view name : {"year", "month", "day_of_month", "hour", "minute", "day_of_year",
                                "day_of_week", "days_in_month"}) {
    out.push_back(Value(name, unix_seconds));
  }
  return out;
}

using D = std::vector<double>;

TEST(ElementwiseTest, DatesAroundTheEpoch) {
  // 1970-01-01 00:00:00 was a Thursday (4; Sunday is 0).
  EXPECT_EQ(Date(0), (D{1970, 1, 1, 0, 0, 1, 4, 31}));
  // Fractions are truncated toward zero: -0.5 is still 1970-01-01.
  EXPECT_EQ(Date(-0.5), (D{1970, 1, 1, 0, 0, 1, 4, 31}));
  EXPECT_EQ(Date(59.9), (D{1970, 1, 1, 0, 0, 1, 4, 31}));
  // One second before: 1969-12-31 23:59:59, a Wednesday, day 365.
  EXPECT_EQ(Date(-1), (D{1969, 12, 31, 23, 59, 365, 3, 31}));
}

TEST(ElementwiseTest, DatesAtLeapYearEdges) {
  // 2024-01-01 is 54 * 365 + 13 leap days (1972..2020) = 19723 days after the epoch; Feb 29 is
  // day 31 + 28 = 59 of the year after it: day 19782, 1709164800 s, a Thursday (19782 % 7 ==
  // 0). At 12:34:56 (+45296 s):
  EXPECT_EQ(Date(1709210096), (D{2024, 2, 29, 12, 34, 60, 4, 29}));
  // The next day, 2024-03-01 00:00:00 (19783 days), is day 61; the second before is Feb 29.
  EXPECT_EQ(Date(1709251200), (D{2024, 3, 1, 0, 0, 61, 5, 31}));
  EXPECT_EQ(Date(1709251199), (D{2024, 2, 29, 23, 59, 60, 4, 29}));
  // 2023 is no leap year: 2023-01-01 is 53 * 365 + 13 = 19358 days after the epoch, 2023-03-01
  // is day 19417 (1677628800 s), a Wednesday, day 60; the second before is Feb 28.
  EXPECT_EQ(Date(1677628800), (D{2023, 3, 1, 0, 0, 60, 3, 31}));
  EXPECT_EQ(Date(1677628799), (D{2023, 2, 28, 23, 59, 59, 2, 28}));
  // 2000 is a leap year (divisible by 400): 2000-02-10 is 30 * 365 + 7 + 40 = 10997 days,
  // 950140800 s, a Thursday.
  EXPECT_EQ(Date(950140800), (D{2000, 2, 10, 0, 0, 41, 4, 29}));
  // 1900 is not (divisible by 100): 1900-01-01 is 70 * 365 + 17 = 25567 days before the epoch,
  // 1900-02-15 is 25567 - 45 = 25522 days before (-2205100800 s), a Thursday (25522 % 7 == 0).
  EXPECT_EQ(Date(-2205100800), (D{1900, 2, 15, 0, 0, 46, 4, 28}));
  // 2023-12-31 23:59:59: the last second of a common year.
  EXPECT_EQ(Date(1704067199), (D{2023, 12, 31, 23, 59, 365, 0, 31}));
  // 2024-12-31 12:00: day 366 of a leap year (19723 + 365 days, 1735603200 s + 43200).
  EXPECT_EQ(Date(1735646400), (D{2024, 12, 31, 12, 0, 366, 2, 31}));
}

TEST(ElementwiseTest, DatesOfNaNAndHugeValuesWrapAsInGo) {
  // Go converts NaN and values beyond int64 to the smallest int64, -2^63 s. Go's calendar
  // arithmetic wraps modulo 2^64, where -2^63 is 2^63 = (2^63 - 1) + 1: one second after the
  // largest Unix time, 292277026596-12-04 15:30:07 UTC. So 15:30:08 on that day, a Sunday, day
  // 339 of its year (what Prometheus 2.42 on amd64 answers).
  const D wrapped = {292277026596, 12, 4, 15, 30, 339, 0, 31};
  EXPECT_EQ(Date(kNaN), wrapped);
  EXPECT_EQ(Date(1e300), wrapped);
  EXPECT_EQ(Date(-kInf), wrapped);
}

TEST(ElementwiseTest, DaysInEveryMonth) {
  // The first of each month of 2023 (common) and 2024 (leap), days after 2023-01-01 = 19358.
  const int days_before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const double common[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 0; m < 12; ++m) {
    const double t2023 = (19358.0 + days_before[m]) * 86400;
    const double t2024 = (19723.0 + days_before[m] + (m >= 2 ? 1 : 0)) * 86400;
    EXPECT_EQ(Value("days_in_month", t2023), common[m]) << m + 1;
    EXPECT_EQ(Value("month", t2024), m + 1);
    EXPECT_EQ(Value("days_in_month", t2024), m == 1 ? 29 : common[m]) << m + 1;
  }
}

}  // namespace
}  // namespace vigie::promql
