#include "alerts/detectors/context_ose.h"

#include <algorithm>
#include <cmath>

namespace vigie::alerts::detectors {

namespace {
// Counts and times are bounded so that a corrupt state cannot overflow the arithmetic.
constexpr int64_t kMaxPoints = int64_t{1} << 62;
constexpr int64_t kMaxAbsMs = 1'000'000'000'000'000;
}  // namespace

int ContextOse::Level(double value) const {
  double span = high_ - low_;
  if (!(span > 0)) return kExtraLevels;  // a constant warm-up: one level, the others beside it
  double low = low_ - kMargin * span;
  double step = span * (1 + 2 * kMargin) / kLevels;
  double level = std::floor((value - low) / step);
  return kExtraLevels +
         static_cast<int>(std::clamp(level, -1.0 * kExtraLevels, kLevels - 1.0 + kExtraLevels));
}

std::optional<double> ContextOse::Observe(int64_t timestamp_ms, double value, bool after_gap) {
  if (points_ == 0) {
    first_ms_ = timestamp_ms;
    low_ = high_ = value;
  }
  if (points_ < kMaxPoints) ++points_;
  if (points_ <= kWarmUpPoints || timestamp_ms - first_ms_ < kWarmUpMs) {
    low_ = std::min(low_, value);
    high_ = std::max(high_, value);
    return std::nullopt;
  }
  int level = Level(value);
  std::optional<double> novelty;
  if (previous_ != kNoLevel && !after_gap) {
    int bit = previous_ * kAllLevels + level;
    uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
    bool seen = seen_[bit / 8] & mask;
    seen_[bit / 8] |= mask;
    if (timestamp_ms - first_ms_ >= kWarmUpMs + kLearningMs) novelty = seen ? 0.0 : 1.0;
  }
  previous_ = static_cast<uint8_t>(level);
  return novelty;
}

void ContextOse::Encode(StateWriter* w) const {
  w->I64(points_);
  w->I64(first_ms_);
  w->F64(low_);
  w->F64(high_);
  w->U8(previous_);
  for (uint8_t v : seen_) w->U8(v);
}

void ContextOse::Decode(StateReader* r) {
  points_ = r->I64();
  first_ms_ = r->I64();
  low_ = r->F64();
  high_ = r->F64();
  previous_ = r->U8();
  if (points_ < 0 || points_ > kMaxPoints || first_ms_ < -kMaxAbsMs || first_ms_ > kMaxAbsMs ||
      low_ > high_ || !std::isfinite(high_ - low_) ||
      (previous_ >= kAllLevels && previous_ != kNoLevel)) {
    r->Fail();
  }
  for (uint8_t& v : seen_) v = r->U8();
}

}  // namespace vigie::alerts::detectors
