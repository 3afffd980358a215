#include "alerts/detectors/context_ose.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigie::alerts::detectors {

namespace {
// Counts and times are bounded so that a corrupt state cannot overflow the arithmetic.
constexpr int64_t kMaxPoints = int64_t{1} << 62;
constexpr int64_t kMaxAbsMs = 1'000'000'000'000'000;
// The step of the levels for a range: its span widened by kMargin each side, in kLevels.
constexpr double kStepPerSpan = (1 + 2 * ContextOse::kMargin) / ContextOse::kLevels;
// Where a value that widens the range lands, in units of the new span above the range's other
// end: the middle of the outermost level.
constexpr double kReachPerSpan =
    (ContextOse::kLevels + ContextOse::kExtraLevels - 0.5) * kStepPerSpan - ContextOse::kMargin;
}  // namespace

int ContextOse::Quantiser::Level(double value, double* unclamped) const {
  double span = high - low;
  double level;
  if (span > 0) {
    level = std::floor((value - (low - kMargin * span)) / (span * kStepPerSpan));
  } else {
    // A constant range: one level, the others beside it.
    level = value > high ? kLevels + kExtraLevels : value < low ? -kExtraLevels - 1 : 0;
  }
  if (unclamped != nullptr) *unclamped = level;
  return kExtraLevels +
         static_cast<int>(std::clamp(level, -1.0 * kExtraLevels, kLevels - 1.0 + kExtraLevels));
}

double ContextOse::Quantiser::Centre(int level) const {
  double span = high - low;
  if (span > 0) return low - kMargin * span + (level - kExtraLevels + 0.5) * span * kStepPerSpan;
  if (level == kExtraLevels) return low;
  return (level < kExtraLevels ? -1 : 1) * std::numeric_limits<double>::infinity();
}

void ContextOse::Quantiser::Reach(double value) {
  double unclamped;
  Level(value, &unclamped);
  if (unclamped >= -kExtraLevels && unclamped <= kLevels - 1 + kExtraLevels) return;
  Quantiser wider = *this;
  wider.seen = {};
  if (value > high) {
    wider.high = low + (value - low) / kReachPerSpan;
  } else {
    wider.low = high - (high - value) / kReachPerSpan;
  }
  // A range that would overflow stays as it is (values past it are clamped).
  if (!std::isfinite(wider.high - wider.low)) return;
  int to[kAllLevels];
  for (int level = 0; level < kAllLevels; ++level) to[level] = wider.Level(Centre(level));
  for (int bit = 0; bit < kAllLevels * kAllLevels; ++bit) {
    if (seen[bit / 8] & (1u << (bit % 8))) {
      wider.previous = static_cast<uint8_t>(to[bit / kAllLevels]);
      wider.Learn(to[bit % kAllLevels]);
    }
  }
  wider.previous = previous == kNoLevel ? kNoLevel : static_cast<uint8_t>(to[previous]);
  *this = wider;
}

bool ContextOse::Quantiser::Learn(int level) {
  int bit = previous * kAllLevels + level;
  uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  bool was_seen = seen[bit / 8] & mask;
  seen[bit / 8] |= mask;
  return was_seen;
}

std::optional<double> ContextOse::Observe(int64_t timestamp_ms, double value, bool after_gap) {
  if (points_ == 0) {
    first_ms_ = timestamp_ms;
    frozen_.low = frozen_.high = value;
  }
  if (points_ < kMaxPoints) ++points_;
  if (points_ <= kWarmUpPoints || timestamp_ms - first_ms_ < kWarmUpMs) {
    frozen_.low = std::min(frozen_.low, value);
    frozen_.high = std::max(frozen_.high, value);
    growing_.low = frozen_.low;
    growing_.high = frozen_.high;
    return std::nullopt;
  }
  growing_.Reach(value);
  int levels[2] = {frozen_.Level(value), growing_.Level(value)};
  std::optional<double> novelty;
  Quantiser* quantisers[2] = {&frozen_, &growing_};
  if (frozen_.previous != Quantiser::kNoLevel && !after_gap) {
    double novel = 0;
    for (int i = 0; i < 2; ++i) novel += quantisers[i]->Learn(levels[i]) ? 0 : 0.5;
    if (timestamp_ms - first_ms_ >= kWarmUpMs + kLearningMs) novelty = novel;
  }
  for (int i = 0; i < 2; ++i) quantisers[i]->previous = static_cast<uint8_t>(levels[i]);
  return novelty;
}

void ContextOse::Quantiser::Encode(StateWriter* w) const {
  w->F64(low);
  w->F64(high);
  w->U8(previous);
  for (uint8_t v : seen) w->U8(v);
}

void ContextOse::Quantiser::Decode(StateReader* r) {
  low = r->F64();
  high = r->F64();
  previous = r->U8();
  if (low > high || !std::isfinite(high - low) ||
      (previous >= kAllLevels && previous != kNoLevel)) {
    r->Fail();
  }
  for (uint8_t& v : seen) v = r->U8();
}

void ContextOse::Encode(StateWriter* w) const {
  w->I64(points_);
  w->I64(first_ms_);
  frozen_.Encode(w);
  growing_.Encode(w);
}

void ContextOse::Decode(StateReader* r, bool with_growing) {
  points_ = r->I64();
  first_ms_ = r->I64();
  if (points_ < 0 || points_ > kMaxPoints || first_ms_ < -kMaxAbsMs || first_ms_ > kMaxAbsMs) {
    r->Fail();
  }
  frozen_.Decode(r);
  if (with_growing) {
    growing_.Decode(r);
  } else {
    growing_ = frozen_;
  }
}

}  // namespace vigie::alerts::detectors
