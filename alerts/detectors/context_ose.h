// Transition novelty in the manner of CAD OSE (Smirnov and Soroka's Contextual Anomaly
// Detector, open-source edition, an entry of NAB): every value is quantised to one of a few
// levels, a context is the previous point's level (the left semi-context) followed by the
// current one, contexts are learned as they appear, and a point is novel when its context was
// never seen before. A curve that keeps to its usual moves scores 0 however noisy it is; a jump
// it never made, a level it never reached, or a move between two usual levels that it never
// made directly, scores 1.
//
// The published CAD OSE quantises with the whole file's minimum and maximum (look-ahead that a
// live series does not have). Here the range is the one seen during the warm-up (the first day
// and kWarmUpPoints points), widened by kMargin of its span on each side and then frozen, so that
// a context means the same thing for the life of the series; values beyond it fall on
// kExtraLevels more levels of the same step on each side (clamped beyond), which are novel the
// first time they are reached. After the warm-up, contexts are learned for kLearningMs before
// any is scored (the empty store would find every move novel).
//
// With one level of left context the store is exact and bounded: a bit per pair of levels
// (kAllLevels^2 bits, 32 bytes). Longer left contexts (2 to 7 levels, in a hashed store capped at
// 1024 entries with least-used eviction) scored lower on NAB (docs/anomaly.md). O(1) per point,
// 65 bytes of state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "alerts/detectors/state_codec.h"

namespace vigie::alerts::detectors {

class ContextOse {
 public:
  static constexpr int kLevels = 8;
  static constexpr int kExtraLevels = 4;
  static constexpr int kAllLevels = kLevels + 2 * kExtraLevels;
  static constexpr double kMargin = 0.25;
  static constexpr int64_t kWarmUpPoints = 100;
  static constexpr int64_t kWarmUpMs = 86'400'000;
  static constexpr int64_t kLearningMs = 86'400'000;

  // Learns a finite value at a time no earlier than the previous one's. Returns 1 when the
  // point's context (the previous level, then this one) was never seen, else 0; none during the
  // warm-up and the learning day after it, and for the first point after a gap (`after_gap`: the
  // context straddles it, and is not learned).
  std::optional<double> Observe(int64_t timestamp_ms, double value, bool after_gap);

  void Encode(StateWriter* w) const;
  // Leaves *this half-decoded on failure; the caller checks r->ok() and discards it.
  void Decode(StateReader* r);

 private:
  // The value's level in 0..kAllLevels-1 on the frozen range.
  int Level(double value) const;

  int64_t points_ = 0;
  int64_t first_ms_ = 0;
  // The range: the running minimum and maximum of the warm-up, frozen after it.
  double low_ = 0;
  double high_ = 0;
  // The previous point's level; kNoLevel until the warm-up ends.
  static constexpr uint8_t kNoLevel = 0xff;
  uint8_t previous_ = kNoLevel;
  // Bit `from * kAllLevels + to`: the context "from, then to" was seen.
  std::array<uint8_t, kAllLevels * kAllLevels / 8> seen_{};
};

}  // namespace vigie::alerts::detectors
