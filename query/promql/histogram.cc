#include "query/promql/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace vigie::promql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A strict weak order on doubles that puts NaN below everything (Prometheus's sort puts NaN
// first; a plain `<` with NaN is not an order, which std::sort must not be given).
bool NaNFirstLess(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return a < b;
}

// The q < 0, q > 1 and NaN answers both quantiles share, or nullopt for q in [0, 1].
std::optional<double> OutOfRangeQuantile(double q) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  return std::nullopt;
}

// Adds together buckets with the same bound (sorted input); returns the new size.
size_t CoalesceEqualBounds(std::vector<Bucket>& buckets) {
  size_t out = 0;
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].upper_bound == buckets[out].upper_bound) {
      buckets[out].count += buckets[i].count;
    } else {
      buckets[++out] = buckets[i];
    }
  }
  return out + 1;
}

// Cumulative counts must not decrease with the bound; when they do (the buckets were not read
// at one instant, or precision was lost), each count is raised to the largest one before it.
void EnsureMonotonic(std::vector<Bucket>& buckets) {
  double max = buckets[0].count;
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].count > max) {
      max = buckets[i].count;
    } else if (buckets[i].count < max) {
      buckets[i].count = max;
    }
  }
}

}  // namespace

double BucketQuantile(double q, std::vector<Bucket> buckets) {
  if (std::optional<double> out = OutOfRangeQuantile(q)) return *out;
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) {
    return NaNFirstLess(a.upper_bound, b.upper_bound);
  });
  if (buckets.empty() || buckets.back().upper_bound != kInf) return kNaN;
  buckets.resize(CoalesceEqualBounds(buckets));
  EnsureMonotonic(buckets);
  if (buckets.size() < 2) return kNaN;

  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  // The first bucket (the +Inf one excluded) whose count reaches the rank, by binary search
  // (with "not >=" rather than "<", so that NaN counts probe as Prometheus's search does).
  const size_t b = static_cast<size_t>(
      std::partition_point(buckets.begin(), buckets.end() - 1,
                           [rank](const Bucket& bucket) { return !(bucket.count >= rank); }) -
      buckets.begin());
  if (b == buckets.size() - 1) return buckets[b - 1].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;

  double bucket_start = 0;
  const double bucket_end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

double Quantile(double q, std::vector<double> values) {
  if (values.empty()) return kNaN;
  if (std::optional<double> out = OutOfRangeQuantile(q)) return *out;
  std::sort(values.begin(), values.end(), NaNFirstLess);

  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

}  // namespace vigie::promql
