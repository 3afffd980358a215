// The range-vector functions on hand-made windows: rate/increase/delta extrapolation at both
// edges, counter resets and the zero clamp, irate/idelta, the *_over_time functions (NaN, Inf
// and compensated sums), deriv/predict_linear on exact lines, holt_winters on known series.
// Expected values are worked out in the comments; times are in seconds there.
#include "query/promql/range_functions.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::promql {
namespace {

using store::Sample;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A call of range function `name` on `samples` (pairs of seconds and values) over the window
// [start_s, end_s], evaluated at end_s unless eval_s says otherwise.
struct Call {
  std::string_view name;
  std::vector<Sample> samples;
  double start_s = 0;
  double end_s = 0;
  std::vector<double> args = {};
  std::optional<double> eval_s = std::nullopt;

  std::optional<double> Run() const {
    const Function* f = FindFunction(name);
    EXPECT_NE(f, nullptr) << name;
    const auto ms = [](double s) { return static_cast<int64_t>(s * 1000); };
    return EvalRangeFunction(*f, samples, ms(start_s), ms(end_s), ms(eval_s.value_or(end_s)), args);
  }
  double Value() const {
    std::optional<double> out = Run();
    EXPECT_TRUE(out.has_value()) << name;
    return out.value_or(-12345);
  }
};

// Samples at the given seconds with the given values.
std::vector<Sample> At(std::vector<double> seconds, std::vector<double> values) {
  std::vector<Sample> out;
  for (size_t i = 0; i < seconds.size(); ++i) {
    out.push_back({static_cast<int64_t>(seconds[i] * 1000), values[i]});
  }
  return out;
}

TEST(RangeFunctionsTest, EveryRangeFunctionIsImplemented) {
  for (const Function& f : AllFunctions()) {
    bool takes_range = false;
    for (size_t i = 0; i < f.min_args(); ++i) takes_range |= f.arg_type(i) == ValueType::kMatrix;
    EXPECT_EQ(IsRangeFunction(f.name), takes_range) << f.name;
  }
}

TEST(RangeFunctionsTest, EmptyWindowHasNoOutput) {
  for (std::string_view name : {"rate", "count_over_time", "absent_over_time", "changes"}) {
    EXPECT_FALSE((Call{name, {}, 0, 60}.Run().has_value())) << name;
  }
}

TEST(RangeFunctionsTest, RateOfTwoSamplesOnTheEdges) {
  // 0 at 0 s, 60 at 60 s, window [0, 60]: nothing to extrapolate; 60 / 60 s.
  const auto samples = At({0, 60}, {0, 60});
  EXPECT_EQ((Call{"increase", samples, 0, 60}.Value()), 60);
  EXPECT_EQ((Call{"rate", samples, 0, 60}.Value()), 1);
  EXPECT_EQ((Call{"delta", samples, 0, 60}.Value()), 60);
}

TEST(RangeFunctionsTest, FewerThanTwoSamplesHaveNoRate) {
  for (std::string_view name : {"rate", "increase", "delta", "irate", "idelta", "deriv"}) {
    EXPECT_FALSE((Call{name, At({30}, {5}), 0, 60}.Run().has_value())) << name;
  }
  EXPECT_FALSE((Call{"predict_linear", At({30}, {5}), 0, 60, {10}}.Run().has_value()));
  EXPECT_FALSE((Call{"holt_winters", At({30}, {5}), 0, 60, {0.5, 0.5}}.Run().has_value()));
}

TEST(RangeFunctionsTest, ExtrapolatesToCloseEdges) {
  // Samples 30 s inside both edges of [0, 300], 60 s apart (threshold 1.1 * 60 = 66 s): the
  // difference 24 over 240 s is stretched to 240 + 30 + 30 = 300 s: 24 * 300 / 240.
  const auto samples = At({30, 90, 150, 210, 270}, {3, 9, 15, 21, 27});
  EXPECT_DOUBLE_EQ((Call{"delta", samples, 0, 300}.Value()), 30);
  // A counter too: reaching 0 would take 240 * 3 / 24 = 30 s before the first sample, not
  // less than the 30 s to the edge. rate divides by the window's 300 s.
  EXPECT_DOUBLE_EQ((Call{"increase", samples, 0, 300}.Value()), 30);
  EXPECT_DOUBLE_EQ((Call{"rate", samples, 0, 300}.Value()), 0.1);
}

TEST(RangeFunctionsTest, ExtrapolatesHalfAnIntervalToFarEdges) {
  // Samples at 120, 180, 240 s in [0, 600]: 120 s and 360 s to the edges, beyond 66 s, so the
  // series is assumed to start and stop there: 20 over 120 + 30 + 30 s: 20 * 180 / 120.
  const auto samples = At({120, 180, 240}, {10, 20, 30});
  EXPECT_DOUBLE_EQ((Call{"delta", samples, 0, 600}.Value()), 30);
  // rate is a counter's: its line reaches 0 at 120 * 10 / 20 = 60 s before the first sample,
  // which is within the threshold, so it is extended to there: 20 * (120 + 60 + 30) / 120 = 35
  // over the window's 600 s.
  EXPECT_DOUBLE_EQ((Call{"rate", samples, 0, 600}.Value()), 35.0 / 600);
  // One close edge and one far: 20 over 120 + 30 (start) + 60 (end, 60 < 66) s.
  EXPECT_DOUBLE_EQ((Call{"delta", samples, 0, 300}.Value()), 20 * 210.0 / 120);
}

TEST(RangeFunctionsTest, CounterIsNotExtrapolatedBelowZero) {
  // 2, 12, 22 at 60, 120, 180 s in [0, 240]: the line reaches 0 at 120 * 2 / 20 = 12 s before
  // the first sample, closer than the edge (60 s): 20 over 120 + 12 + 60 s.
  const auto samples = At({60, 120, 180}, {2, 12, 22});
  EXPECT_DOUBLE_EQ((Call{"increase", samples, 0, 240}.Value()), 32);
  EXPECT_DOUBLE_EQ((Call{"rate", samples, 0, 240}.Value()), 32.0 / 240);
  // delta is no counter: 20 over 120 + 60 + 60 s.
  EXPECT_DOUBLE_EQ((Call{"delta", samples, 0, 240}.Value()), 40);
  // A negative first value disables the clamp: -2, 8, 18 extrapolate as a gauge would.
  EXPECT_DOUBLE_EQ((Call{"increase", At({60, 120, 180}, {-2, 8, 18}), 0, 240}.Value()), 40);
}

TEST(RangeFunctionsTest, CounterResetsAddTheValueBeforeTheReset) {
  // 10 20 5 15 at 0, 60, 120, 180 s in [0, 180]: 15 - 10 + 20 (before the reset) = 25; the
  // zero point is 180 * 10 / 25 = 72 s away, beyond the edge at 0 s.
  const auto samples = At({0, 60, 120, 180}, {10, 20, 5, 15});
  EXPECT_DOUBLE_EQ((Call{"increase", samples, 0, 180}.Value()), 25);
  EXPECT_DOUBLE_EQ((Call{"rate", samples, 0, 180}.Value()), 25.0 / 180);
  EXPECT_DOUBLE_EQ((Call{"delta", samples, 0, 180}.Value()), 5);
  EXPECT_EQ((Call{"resets", samples, 0, 180}.Value()), 1);
  // Two resets in a row: 10 -> 4 -> 1 -> 3: 3 - 10 + 10 + 4 = 7.
  EXPECT_DOUBLE_EQ((Call{"increase", At({0, 60, 120, 180}, {10, 4, 1, 3}), 0, 180}.Value()), 7);
}

TEST(RangeFunctionsTest, IrateAndIdeltaUseTheLastTwoSamples) {
  // 10 20 5 at 0, 60, 120 s: a decrease is a reset for irate: 5 / 60 s.
  const auto reset = At({0, 60, 120}, {10, 20, 5});
  EXPECT_DOUBLE_EQ((Call{"irate", reset, 0, 300}.Value()), 5.0 / 60);
  EXPECT_EQ((Call{"idelta", reset, 0, 300}.Value()), -15);
  // 10 at 0 s, 20 at 30 s: 10 / 30 s, however wide the window.
  const auto rising = At({0, 30}, {10, 20});
  EXPECT_DOUBLE_EQ((Call{"irate", rising, -600, 300}.Value()), 10.0 / 30);
  EXPECT_EQ((Call{"idelta", rising, -600, 300}.Value()), 10);
}

TEST(RangeFunctionsTest, AggregatesOverTime) {
  const auto samples = At({10, 20, 30, 40, 50}, {1, 3, 2, 8, 4});
  const auto value = [&](std::string_view name, std::vector<double> args = {}) {
    return Call{name, samples, 0, 60, args}.Value();
  };
  EXPECT_DOUBLE_EQ(value("avg_over_time"), 3.6);
  EXPECT_EQ(value("min_over_time"), 1);
  EXPECT_EQ(value("max_over_time"), 8);
  EXPECT_EQ(value("sum_over_time"), 18);
  EXPECT_EQ(value("count_over_time"), 5);
  EXPECT_EQ(value("last_over_time"), 4);
  EXPECT_EQ(value("present_over_time"), 1);
  EXPECT_EQ(value("absent_over_time"), 1);
  // Deviations from 3.6: -2.6 -0.6 -1.6 4.4 0.4; squares sum to 29.2; / 5.
  EXPECT_DOUBLE_EQ(value("stdvar_over_time"), 5.84);
  EXPECT_DOUBLE_EQ(value("stddev_over_time"), std::sqrt(5.84));
  // Sorted 1 2 3 4 8; rank q * 4.
  EXPECT_EQ(value("quantile_over_time", {0.5}), 3);
  EXPECT_DOUBLE_EQ(value("quantile_over_time", {0.9}), 6.4);  // 4 * 0.4 + 8 * 0.6.
  EXPECT_EQ(value("quantile_over_time", {-1}), -kInf);
  EXPECT_EQ(value("quantile_over_time", {2}), kInf);
  EXPECT_TRUE(std::isnan(value("quantile_over_time", {kNaN})));
  EXPECT_EQ(value("changes"), 4);
  EXPECT_EQ(value("resets"), 2);  // 3 -> 2, 8 -> 4.
}

TEST(RangeFunctionsTest, MinAndMaxSkipNaN) {
  const auto value = [](std::string_view name, std::vector<double> values) {
    return Call{name, At({1, 2, 3}, values), 0, 60}.Value();
  };
  EXPECT_EQ(value("min_over_time", {kNaN, 2, 1}), 1);
  EXPECT_EQ(value("max_over_time", {kNaN, 2, 1}), 2);
  EXPECT_EQ(value("min_over_time", {3, kNaN, 1}), 1);
  EXPECT_EQ(value("max_over_time", {3, kNaN, 1}), 3);
  EXPECT_TRUE(std::isnan(value("max_over_time", {kNaN, kNaN, kNaN})));
}

TEST(RangeFunctionsTest, ChangesCountsNaNToNaNAsNoChange) {
  // 1 -> NaN (1), NaN -> NaN (0), NaN -> 2 (1), 2 -> 2 (0).
  EXPECT_EQ((Call{"changes", At({1, 2, 3, 4, 5}, {1, kNaN, kNaN, 2, 2}), 0, 60}.Value()), 2);
  EXPECT_EQ((Call{"resets", At({1, 2, 3}, {1, kNaN, 0}), 0, 60}.Value()), 0);
}

TEST(RangeFunctionsTest, SumsAreCompensated) {
  // 1e16 + 1 rounds back to 1e16 in doubles; the compensation keeps the 1.
  const auto samples = At({1, 2, 3}, {1e16, 1, -1e16});
  EXPECT_EQ((Call{"sum_over_time", samples, 0, 60}.Value()), 1);
  // The mean is kept incrementally, so that large values do not overflow.
  EXPECT_EQ((Call{"avg_over_time", At({1, 2}, {1e308, 1e308}), 0, 60}.Value()), 1e308);
  EXPECT_EQ((Call{"sum_over_time", At({1, 2}, {1e308, 1e308}), 0, 60}.Value()), kInf);
}

TEST(RangeFunctionsTest, AverageWithInfinities) {
  const auto avg = [](std::vector<double> values) {
    std::vector<double> seconds;
    for (size_t i = 0; i < values.size(); ++i) seconds.push_back(static_cast<double>(i + 1));
    return Call{"avg_over_time", At(seconds, values), 0, 60}.Value();
  };
  EXPECT_EQ(avg({1, kInf, 3}), kInf);
  EXPECT_EQ(avg({-kInf, 5, -kInf}), -kInf);
  EXPECT_TRUE(std::isnan(avg({kInf, -kInf})));
  EXPECT_TRUE(std::isnan(avg({kInf, kNaN})));
  EXPECT_TRUE(std::isnan(avg({1, kNaN, 3})));
}

TEST(RangeFunctionsTest, DerivAndPredictLinearOnAnExactLine) {
  // v = 2 t + 7 at t = 100..400 s.
  const auto line = At({100, 200, 300, 400}, {207, 407, 607, 807});
  EXPECT_DOUBLE_EQ((Call{"deriv", line, 0, 400}.Value()), 2);
  // From the evaluation time 400 s, 60 s ahead: 2 * 460 + 7.
  EXPECT_DOUBLE_EQ((Call{"predict_linear", line, 0, 400, {60}}.Value()), 927);
  EXPECT_DOUBLE_EQ((Call{"predict_linear", line, 0, 400, {-300}}.Value()), 207);
  // With an offset the window ends at 400 s but the evaluation is at 500 s: Prometheus
  // predicts from the evaluation time: 2 * 560 + 7.
  EXPECT_DOUBLE_EQ((Call{"predict_linear", line, 0, 400, {60}, 500}.Value()), 1127);
}

TEST(RangeFunctionsTest, DerivKeepsPrecisionAtLargeTimestamps) {
  // v = 0.5 t - 1 at t around 1.7e9 s (2023), 15 s apart.
  const double t0 = 1700000000;
  const auto line = At({t0, t0 + 15, t0 + 30}, {0.5 * t0 - 1, 0.5 * t0 + 6.5, 0.5 * t0 + 14});
  EXPECT_DOUBLE_EQ((Call{"deriv", line, t0 - 30, t0 + 30}.Value()), 0.5);
  EXPECT_DOUBLE_EQ((Call{"predict_linear", line, t0 - 30, t0 + 30, {10}}.Value()), 0.5 * t0 + 19);
}

TEST(RangeFunctionsTest, ConstantSeriesHaveZeroSlope) {
  EXPECT_EQ((Call{"deriv", At({1, 2, 3}, {5, 5, 5}), 0, 60}.Value()), 0);
  EXPECT_EQ((Call{"predict_linear", At({1, 2, 3}, {5, 5, 5}), 0, 60, {100}}.Value()), 5);
  EXPECT_TRUE(std::isnan(Call{"deriv", At({1, 2}, {kInf, kInf}), 0, 60}.Value()));
  EXPECT_TRUE(std::isnan(Call{"predict_linear", At({1, 2}, {kInf, kInf}), 0, 60, {1}}.Value()));
}

TEST(RangeFunctionsTest, HoltWintersOnKnownSeries) {
  const auto hw = [](std::vector<double> values, double sf, double tf) {
    std::vector<double> seconds;
    for (size_t i = 0; i < values.size(); ++i) seconds.push_back(60.0 * static_cast<double>(i));
    return Call{"holt_winters", At(seconds, values), 0, 600, {sf, tf}}.Value();
  };
  // s0 = 1, b0 = 3 - 1 = 2;
  // s1 = 0.5 * 3 + 0.5 * (1 + 2) = 3;
  // b1 = 0.5 * (3 - 1) + 0.5 * 2 = 2,     s2 = 0.5 * 2 + 0.5 * (3 + 2) = 3.5;
  // b2 = 0.5 * (3.5 - 3) + 0.5 * 2 = 1.25, s3 = 0.5 * 6 + 0.5 * (3.5 + 1.25) = 5.375.
  EXPECT_DOUBLE_EQ(hw({1, 3, 2, 6}, 0.5, 0.5), 5.375);
  // 0 10 0, sf 0.1, tf 0.9: s1 = 1 + 0.9 * 10 = 10; b1 = 0.9 * 10 + 0.1 * 10 = 10;
  // s2 = 0 + 0.9 * (10 + 10) = 18.
  EXPECT_DOUBLE_EQ(hw({0, 10, 0}, 0.1, 0.9), 18);
  // A straight line is followed exactly, whatever the factors.
  EXPECT_DOUBLE_EQ(hw({4, 7, 10, 13, 16}, 0.3, 0.7), 16);
  EXPECT_DOUBLE_EQ(hw({5, 5}, 0.2, 0.2), 5);
}

TEST(RangeFunctionsTest, HoltWintersArgumentErrors) {
  EXPECT_EQ(HoltWintersArgumentError(0.5, 0.5), std::nullopt);
  EXPECT_EQ(HoltWintersArgumentError(1, 0.5),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  EXPECT_EQ(HoltWintersArgumentError(-0.25, 0),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: -0.250000");
  EXPECT_EQ(HoltWintersArgumentError(0.5, 0),
            "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
  EXPECT_EQ(HoltWintersArgumentError(0.5, kInf),
            "invalid trend factor. Expected: 0 < tf < 1, got: +Inf");
  // NaN passes Prometheus's check (every comparison with NaN is false).
  EXPECT_EQ(HoltWintersArgumentError(kNaN, kNaN), std::nullopt);
}

}  // namespace
}  // namespace vigie::promql
