// Synthetic curves with known truth for the detector tests: a daily (and optionally weekly)
// shape plus seeded Gaussian noise, sampled every 5 minutes from a Monday 00:00 UTC.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace vigie::alerts::detectors::testing {

inline constexpr int64_t kStepMs = 5 * 60 * 1000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kPointsPerDay = kDayMs / kStepMs;
inline constexpr int64_t kMonday = 1'704'067'200'000;  // 2024-01-01 00:00 UTC, a Monday

// Logins per minute: ~40 at 04:00, ~400 around 21:00; weekends at `weekend_factor` of that.
class LoginCurve {
 public:
  explicit LoginCurve(double weekend_factor = 1.0, double noise = 8.0, uint32_t seed = 7)
      : weekend_factor_(weekend_factor), noise_(0.0, noise), rng_(seed) {}

  static int64_t TimeOf(int64_t index) { return kMonday + index * kStepMs; }

  // The noise-free value at point `index`.
  double Normal(int64_t index) const {
    double hour = static_cast<double>((TimeOf(index) % kDayMs)) / 3'600'000.0;
    // Lowest at 04:00, rising all day to its peak at 21:00, then falling through the night.
    double shape = hour >= 4 && hour < 21
                       ? 0.5 - 0.5 * std::cos(M_PI * (hour - 4) / 17)
                       : 0.5 + 0.5 * std::cos(M_PI * std::fmod(hour + 3, 24) / 7);
    double value = 40 + 360 * shape;
    int64_t weekday = (index / kPointsPerDay) % 7;  // 0 = Monday
    if (weekday >= 5) value *= weekend_factor_;
    return value;
  }

  // The noisy value at point `index`; call in order of index for a reproducible curve.
  double Next(int64_t index) { return Normal(index) + noise_(rng_); }

 private:
  double weekend_factor_;
  std::normal_distribution<double> noise_;
  std::mt19937 rng_;
};

}  // namespace vigie::alerts::detectors::testing
