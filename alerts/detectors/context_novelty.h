// Context novelty: how unlike anything in the curve's last day or so the last few points are,
// as a shape, in the manner of KNN-CAD (a nearest-neighbour distance of the current window of
// values against the windows of the history, ranked against its own recent values).
//
// The context runs on steps of kStepMs (5 minutes) whatever the sampling: a step's value is the
// mean of its points (a curve sampled every 15 s or every 5 minutes has the same contexts; one
// sampled more slowly has one point per step). Every step's value is quantised to one of 64
// levels of the curve's recent range (the running minimum and maximum, both contracting slowly
// towards the values, so that a range once reached does not stay forever). The current context
// is the window of the last kWindow steps (30 minutes); its novelty is the smallest L1 distance
// to the kCandidates windows that ended every kStride steps before it (the last kCandidates *
// kStride steps: a day). The current step's level is provisional until the step ends. A pattern
// that the band cannot see (a curve that starts oscillating differently inside its usual range, a
// square wave whose duty cycle changes) is far from every recent window; a spike as high as one of
// the recent ones, or the regular shape of the curve, is not.
//
// The caller calibrates the distance (TailQuantile), as it does for its other signals. O(1)
// per point (kCandidates * kWindow byte differences at most), fixed state (~360 bytes).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "alerts/detectors/state_codec.h"

namespace vigie::alerts::detectors {

class ContextNovelty {
 public:
  static constexpr int kWindow = 6;
  static constexpr int kStride = 3;
  static constexpr int kCandidates = 100;
  static constexpr int kLevels = 64;
  static constexpr int64_t kStepMs = 5 * 60 * 1000;

  // Learns a (finite) value at a time no earlier than the previous one's and returns the
  // current window's distance to its nearest recent window, in quantisation levels summed over
  // the window (0 to kWindow * (kLevels - 1)); none until the history is full (kHistory steps)
  // nor while the window still holds steps from before a gap (`after_gap`: the value follows
  // one).
  std::optional<double> Observe(int64_t timestamp_ms, double value, bool after_gap);

  void Encode(StateWriter* w) const;
  // Leaves *this half-decoded on failure; the caller checks r->ok() and discards it.
  void Decode(StateReader* r);

 private:
  // The ring holds the levels of the last kHistory steps, the current one included: the
  // oldest candidate window starts kHistory - 1 steps before the current step.
  static constexpr int kHistory = kWindow + kCandidates * kStride;
  // How fast the range contracts towards each step's value (per step).
  static constexpr double kRangeContraction = 1e-3;

  int Level(int64_t index) const { return levels_[index % kHistory]; }

  int64_t steps_ = 0;      // steps begun; the current one is steps_ - 1
  int64_t since_gap_ = 0;  // the first step after the last gap
  int64_t step_ = 0;       // the current step (timestamp / kStepMs), its points and their sum
  int64_t step_points_ = 0;
  double step_sum_ = 0;
  double low_ = 0;
  double high_ = 0;
  std::array<uint8_t, kHistory> levels_{};
};

}  // namespace vigie::alerts::detectors
