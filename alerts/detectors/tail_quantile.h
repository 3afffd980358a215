// A decaying histogram of a non-negative statistic (a residual in units of its scale) that
// answers "how large is this statistic's 99.5th percentile lately?", in O(1) memory. The
// detectors divide a residual by it, so that one score threshold means the same rarity on a
// smooth curve and on a spiky one (a conformal-style calibration, see docs/anomaly.md).
#pragma once

#include <array>

#include "alerts/detectors/state_codec.h"

namespace vigie::alerts::detectors {

class TailQuantile {
 public:
  // Bins are quarter-octaves of the statistic from 2^-2 to 2^14; values outside go to the
  // first or last bin.
  static constexpr int kBins = 64;

  // Each new value weighs 1 / decay times the previous one: a half-life of about 1400 points.
  static constexpr double kDecay = 0.9995;

  // The upper edge of the bin holding the q-quantile of the values seen (weighted by recency);
  // 0 when nothing was added yet.
  double Quantile(double q) const;

  void Add(double value);

  // The weight of the values seen: their count while it is small against the half-life.
  double weight() const { return total_ / increment_; }

  void Encode(StateWriter* w) const;
  void Decode(StateReader* r);

 private:
  static int Bin(double value);
  static double UpperEdge(int bin);
  void Normalise();

  // counts_[i] / increment_ is bin i's weight relative to the newest value's (weight 1):
  // raising the increment instead of decaying every bin keeps Add O(1). Floats, renormalised
  // before they could overflow, so that the serialised state is the state itself and a
  // restored detector scores exactly as the original would have.
  std::array<float, kBins> counts_{};
  double total_ = 0;
  double increment_ = 1;
};

}  // namespace vigie::alerts::detectors
