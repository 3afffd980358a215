#include "query/promql/histogram.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "common/strings.h"

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

// Go's rule for underscores in a number (sign removed): each one between two digits, or
// between the 0x prefix and a digit.
bool UnderscoresOk(std::string_view s, bool hex) {
  char saw = '^';  // '0': a digit or the prefix; '_'; '!': anything else.
  size_t i = 0;
  if (hex) {
    i = 2;
    saw = '0';
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (absl::ascii_isdigit(c) || (hex && absl::ascii_isxdigit(c))) {
      saw = '0';
    } else if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
    } else {
      if (saw == '_') return false;
      saw = '!';
    }
  }
  return saw != '_';
}

}  // namespace

std::optional<double> ParseBucketBound(std::string_view le) {
  std::string_view rest = le;
  double sign = 1;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    if (rest[0] == '-') sign = -1;
    rest.remove_prefix(1);
  }
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    return sign * kInf;
  }
  if (EqualsIgnoreCase(le, "nan")) return kNaN;

  const bool hex = StartsWithIgnoreCase(rest, "0x");
  std::string digits;  // `rest` without underscores, when it has some.
  if (rest.find('_') != std::string_view::npos) {
    if (!UnderscoresOk(rest, hex)) return std::nullopt;
    digits.assign(rest);
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    rest = digits;
  }
  if (hex) {
    rest.remove_prefix(2);
    if (rest.find_first_of("pP") == std::string_view::npos) return std::nullopt;
  }
  // from_chars would also read "inf", "nan" and their relatives: only digits and '.' may start.
  if (rest.empty() ||
      !(absl::ascii_isdigit(rest[0]) || rest[0] == '.' || (hex && absl::ascii_isxdigit(rest[0])))) {
    return std::nullopt;
  }
  double value = 0;
  const char* end = rest.data() + rest.size();
  const auto [ptr, ec] = std::from_chars(rest.data(), end, value,
                                         hex ? std::chars_format::hex : std::chars_format::general);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Overflow (Go: an error) or underflow (Go: 0 or a denormal); strtod tells which.
    value = std::strtod(std::string(rest).insert(0, hex ? "0x" : "").c_str(), nullptr);
    if (std::isinf(value)) return std::nullopt;
  }
  return sign * value;
}

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
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  // Only the two closest ranks are read: selecting them is linear where sorting the values is
  // not (quantile_over_time over an hour of a busy stream holds millions of them). After
  // nth_element, the values past `lower` are all at least it, so the next rank is their least.
  // (A lambda rather than the function's address, so that the comparisons are inlined.)
  const auto less = [](double a, double b) { return NaNFirstLess(a, b); };
  const auto low = values.begin() + static_cast<ptrdiff_t>(lower);
  std::nth_element(values.begin(), low, values.end(), less);
  const double upper_value = upper > lower ? *std::min_element(low + 1, values.end(), less) : *low;
  return *low * (1 - weight) + upper_value * weight;
}

}  // namespace vigie::promql
