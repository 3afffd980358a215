// Quantiles with Prometheus 2.42's arithmetic: histogram_quantile over classic buckets (the `le`
// series of one histogram), and the quantile of a list of values, which serves both the
// `quantile` aggregation and quantile_over_time.
//
// Thread safety: pure functions.
#pragma once

#include <vector>

namespace vigie::promql {

// One classic histogram bucket: the parsed `le` label and the bucket's (cumulative) count.
struct Bucket {
  double upper_bound = 0;
  double count = 0;
};

// The q-quantile of the histogram whose buckets are `buckets` (in any order), as Prometheus's
// histogram_quantile computes it:
//   - q NaN: NaN; q < 0: -Inf; q > 1: +Inf (before looking at the buckets);
//   - NaN without a +Inf bucket, with fewer than 2 distinct bounds, or with no observations;
//   - buckets with equal bounds are added together, and counts that decrease with the bound
//     (scrapes of the buckets not taken at the same instant) are raised to the largest count
//     below them;
//   - linear interpolation inside the bucket holding rank q * count; the lowest bucket starts
//     at 0 when its bound is positive (else its bound is the answer), and a rank in the +Inf
//     bucket answers the largest finite bound.
// A NaN bound sorts below every number (Prometheus leaves its place unspecified).
double BucketQuantile(double q, std::vector<Bucket> buckets);

// The q-quantile of `values` (in any order) by linear interpolation between the closest ranks,
// as Prometheus's `quantile` aggregation and quantile_over_time compute it: NaN when `values`
// is empty or q is NaN, -Inf for q < 0, +Inf for q > 1. NaN values sort below every number.
// The interpolation is Prometheus's `lower * (1 - w) + upper * w` even when w is 0, so an
// infinite neighbour makes the result NaN as it does in Prometheus.
double Quantile(double q, std::vector<double> values);

}  // namespace vigie::promql
