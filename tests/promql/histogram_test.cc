// histogram_quantile's bucket arithmetic and the quantile of values (the `quantile`
// aggregation and quantile_over_time). Expected values are worked out in the comments.
#include "query/promql/histogram.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace vigie::promql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 10 observations <= 0.1, 30 <= 0.5, 40 <= 1, none above.
std::vector<Bucket> Latency() { return {{0.1, 10}, {0.5, 30}, {1, 40}, {kInf, 40}}; }

TEST(BucketQuantileTest, InterpolatesInsideTheBucketHoldingTheRank) {
  // rank 0.5 * 40 = 20 falls in (0.1, 0.5], which holds 30 - 10 = 20 observations, 10 of them
  // below the rank: 0.1 + (0.5 - 0.1) * 10 / 20.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, Latency()), 0.3);
  // rank 0.95 * 40 = 38 in (0.5, 1]: 0.5 + 0.5 * (38 - 30) / 10.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.95, Latency()), 0.9);
  // rank 40 is reached by the bucket of bound 1: 0.5 + 0.5 * 10 / 10.
  EXPECT_DOUBLE_EQ(BucketQuantile(1, Latency()), 1);
}

TEST(BucketQuantileTest, LowestBucketStartsAtZeroWhenItsBoundIsPositive) {
  // rank 0.1 * 40 = 4 in [0, 0.1]: 0.1 * 4 / 10.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.1, Latency()), 0.04);
  // rank 0 is reached by the first bucket already: 0 + 0.1 * 0 / 10.
  EXPECT_EQ(BucketQuantile(0, Latency()), 0);
}

TEST(BucketQuantileTest, LowestBucketWithNonPositiveBoundAnswersItsBound) {
  // rank 0.2 * 10 = 2 is in the lowest bucket, whose bound -1 is the answer.
  EXPECT_EQ(BucketQuantile(0.2, {{-1, 5}, {1, 10}, {kInf, 10}}), -1);
  EXPECT_EQ(BucketQuantile(0.2, {{0, 5}, {1, 10}, {kInf, 10}}), 0);
}

TEST(BucketQuantileTest, RankInTheInfBucketAnswersTheLargestFiniteBound) {
  // rank 0.9 * 10 = 9 is above the 5 observations <= 1.
  EXPECT_EQ(BucketQuantile(0.9, {{1, 5}, {kInf, 10}}), 1);
}

TEST(BucketQuantileTest, SortsBucketsByBound) {
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, {{kInf, 40}, {0.5, 30}, {1, 40}, {0.1, 10}}), 0.3);
}

TEST(BucketQuantileTest, QuantileOutsideZeroOneAndNaN) {
  // Decided before the buckets are looked at, even without a +Inf bucket.
  EXPECT_EQ(BucketQuantile(-0.5, {{1, 5}}), -kInf);
  EXPECT_EQ(BucketQuantile(1.01, {{1, 5}}), kInf);
  EXPECT_TRUE(std::isnan(BucketQuantile(kNaN, Latency())));
}

TEST(BucketQuantileTest, NaNWithoutInfBucketTooFewBucketsOrNoObservations) {
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{0.1, 10}, {0.5, 30}, {1, 40}})));
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{kInf, 10}})));
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {})));
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{1, 0}, {kInf, 0}})));
  // Two buckets with the +Inf bound are one bucket.
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{kInf, 4}, {kInf, 6}})));
}

TEST(BucketQuantileTest, RaisesDecreasingCountsToTheLargestBelow) {
  // Counts 10, 8, 15, 15 are read as 10, 10, 15, 15. rank 0.7 * 15 = 10.5 falls in (2, 3],
  // which holds 5 observations, 0.5 of them below the rank: 2 + 1 * 0.5 / 5. (Unfixed, the
  // bucket (1, 2] would hold -2.)
  const std::vector<Bucket> buckets = {{1, 10}, {2, 8}, {3, 15}, {kInf, 15}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.7, buckets), 2.1);
  // rank 0.6 * 15 = 9 in [0, 1]: 9 / 10.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.6, buckets), 0.9);
}

TEST(BucketQuantileTest, AddsBucketsWithEqualBounds) {
  // le="1" and le="1.0" of the same histogram: one bucket of 4 + 6 = 10; rank 0.25 * 20 = 5:
  // 1 * 5 / 10.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.25, {{1, 4}, {kInf, 20}, {1, 6}}), 0.5);
}

TEST(QuantileTest, InterpolatesBetweenClosestRanks) {
  // rank q * (n - 1) over the sorted values 1 2 3 4.
  const std::vector<double> values = {4, 1, 3, 2};
  EXPECT_EQ(Quantile(0, values), 1);
  EXPECT_EQ(Quantile(1, values), 4);
  EXPECT_EQ(Quantile(0.5, values), 2.5);    // rank 1.5: 2 * 0.5 + 3 * 0.5.
  EXPECT_EQ(Quantile(0.25, values), 1.75);  // rank 0.75: 1 * 0.25 + 2 * 0.75.
  EXPECT_EQ(Quantile(0.3, {7}), 7);
}

TEST(QuantileTest, OutOfRangeNaNAndEmpty) {
  EXPECT_EQ(Quantile(-0.1, {1, 2}), -kInf);
  EXPECT_EQ(Quantile(1.1, {1, 2}), kInf);
  EXPECT_TRUE(std::isnan(Quantile(kNaN, {1, 2})));
  EXPECT_TRUE(std::isnan(Quantile(0.5, {})));
  EXPECT_TRUE(std::isnan(Quantile(-1, {})));  // No values: NaN before the range check.
}

TEST(QuantileTest, NaNValuesSortFirst) {
  // Sorted: NaN 1 3.
  EXPECT_TRUE(std::isnan(Quantile(0, {3, kNaN, 1})));
  EXPECT_EQ(Quantile(0.5, {3, kNaN, 1}), 1);  // rank 1: 1 * 1 + 3 * 0.
  EXPECT_EQ(Quantile(1, {3, kNaN, 1}), 3);
}

TEST(QuantileTest, InfiniteNeighbourWithZeroWeightIsNaN) {
  // 1 * 1 + Inf * 0 = NaN, as Prometheus computes it.
  EXPECT_TRUE(std::isnan(Quantile(0, {1, kInf})));
  EXPECT_EQ(Quantile(0.5, {1, kInf}), kInf);
  EXPECT_EQ(Quantile(0.5, {-kInf, 1, 2}), 1);  // rank 1, weight 0, neighbour 2 finite.
}

}  // namespace
}  // namespace vigie::promql
