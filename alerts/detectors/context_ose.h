// Transition novelty in the manner of CAD OSE (Smirnov and Soroka's Contextual Anomaly
// Detector, open-source edition, an entry of NAB): every value is quantised to one of a few
// levels, a context is the previous point's level (the left semi-context) followed by the
// current one, contexts are learned as they appear, and a point is novel when its context was
// never seen before. A curve that keeps to its usual moves scores 0 however noisy it is; a jump
// it never made, a level it never reached, or a move between two usual levels that it never
// made directly, scores 1.
//
// The published CAD OSE quantises with the whole file's minimum and maximum (look-ahead that a
// live series does not have). Here two quantisations of the curve learn side by side, both
// starting from the range seen during the warm-up (the first day and kWarmUpPoints points),
// widened by kMargin of its span on each side, with kExtraLevels more levels of the same step on
// each side for the values beyond it:
// - the frozen one keeps that range for the life of the series (values past the extra levels
//   are clamped), so a context always means the same thing;
// - the growing one widens its range when a value falls past its outermost level, so that the
//   value lands on that level, and carries every learned pair over to the new levels of its two
//   levels' centres: its levels follow a curve that drifts or jumps beyond the warm-up, as the
//   look-ahead range would, and it forgets nothing (two old levels may merge into one).
// The novelty is the mean of the two: 1 when both find the move new, 0.5 when one does (NAB: the
// frozen one alone 56.0 on the 35 curves, the growing one 58.4, the mean 59.3; inside `combined`
// 59.5, 61.1, 62.0; docs/anomaly.md). After the warm-up, contexts are learned for kLearningMs
// before any is scored (the empty store would find every move novel).
//
// With one level of left context each store is exact and bounded: a bit per pair of levels
// (kAllLevels^2 bits, 32 bytes). Longer left contexts (2 to 7 levels, in a hashed store capped at
// 1024 entries with least-used eviction) scored lower on NAB (docs/anomaly.md). O(1) per point
// (a widening of the range rewrites the 256 bits: rare, and bounded), 114 bytes of state.
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

  // Learns a finite value at a time no earlier than the previous one's. Returns the mean of the
  // two quantisations' novelties (each 1 when the point's context, the previous level then this
  // one, was never seen, else 0): 0, 0.5 or 1; none during the warm-up and the learning day
  // after it, and for the first point after a gap (`after_gap`: the context straddles it, and is
  // not learned).
  std::optional<double> Observe(int64_t timestamp_ms, double value, bool after_gap);

  void Encode(StateWriter* w) const;
  // Reads Encode's bytes, or, without `with_growing`, those of a build that had the frozen
  // quantisation only (detector state version 4): the growing one then starts as its copy (what
  // it is until a value leaves the range). Leaves *this half-decoded on failure; the caller
  // checks r->ok() and discards it.
  void Decode(StateReader* r, bool with_growing);

 private:
  // A quantisation of the curve and the pairs of its levels seen.
  struct Quantiser {
    // The value's level in 0..kAllLevels-1 (clamped); `unclamped` is the level before clamping.
    int Level(double value, double* unclamped = nullptr) const;
    // The middle of a level's values (the range's value for every level of a constant range's
    // middle level; +-infinity beyond it).
    double Centre(int level) const;
    // Widens the range so that `value`, if past the outermost levels, lands on the outermost
    // one, and remaps the pairs and the previous level to the new levels.
    void Reach(double value);
    // Learns the move from the previous level to `level`; true when it was seen before.
    bool Learn(int level);
    void Encode(StateWriter* w) const;
    void Decode(StateReader* r);

    double low = 0;
    double high = 0;
    static constexpr uint8_t kNoLevel = 0xff;
    // The previous point's level; kNoLevel until the warm-up ends.
    uint8_t previous = kNoLevel;
    // Bit `from * kAllLevels + to`: the context "from, then to" was seen.
    std::array<uint8_t, kAllLevels * kAllLevels / 8> seen{};
  };

  int64_t points_ = 0;
  int64_t first_ms_ = 0;
  // Both take the running minimum and maximum of the warm-up as their range.
  Quantiser frozen_;
  Quantiser growing_;
};

}  // namespace vigie::alerts::detectors
