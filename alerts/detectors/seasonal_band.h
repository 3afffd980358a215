// The model behind every detector of detector.h: a robust, online Holt-Winters-like band.
//
// Three slow models run side by side on each curve: a level alone, a level plus a daily shape
// (96 bins of 15 minutes, each with its own spread, so that the band is wider in the hours when
// the curve is noisier) and a level plus a weekly shape (336 bins of 30 minutes). Each tracks
// its mean absolute one-step error over the last days; the daily (weekly) model takes over
// once it has seen 1.5 days (10.5 days) and its error is under 0.8 times the simpler model's:
// seasonality is detected, never assumed. A fast level alone (the "local" model) follows the
// curve closely.
//
// Updates are robust: a residual counts for at most 3 times the model's scale, so a spike
// neither moves the expected value nor widens the band for the next days. Five same-sided
// residuals beyond 4 scales in a row are a level shift: the level jumps to the new regime
// (flagged once, then learned). All rates are per point, except the shapes', which are per
// pass over a bin, so that a 15 s and a 5 min curve learn their shapes in the same days.
//
// Signals, each a residual in units of its own recent 99.5th percentile (TailQuantile), so
// that 1 means "as far out as the worst 0.5% lately" on any curve:
//   band:  the point's distance from the active slow model's expected value;
//   shift: a short moving average of that distance (level shifts, variance bursts, drifts,
//          flat-lining of a curve that moves);
//   local: the distance from the fast level (sudden jumps on curves without a shape);
//   flat:  a curve that rarely repeats a value repeating one for 12 points or more;
//   context: the last points' shape unlike any in the last day or so (ContextNovelty);
//   novel_context: a move between quantised levels never made before (ContextOse), 0 to 1.
// Work per point is O(1) (a few hundred floating point operations and byte differences); state
// is ~3.9 KiB.
#pragma once

#include <array>
#include <cstdint>

#include "alerts/detectors/context_novelty.h"
#include "alerts/detectors/context_ose.h"
#include "alerts/detectors/state_codec.h"
#include "alerts/detectors/tail_quantile.h"

namespace vigie::alerts::detectors {

struct Signals {
  double band = 0;
  double shift = 0;
  double local = 0;
  double flat = 0;
  double context = 0;
  // How new the point's move from the previous point's level is (ContextOse): 1 when neither
  // quantisation saw it before, 0.5 when one did not, else 0.
  double novel_context = 0;
  double expected = 0;
  // The band's half-width at band == 1.
  double half_width = 0;
  bool learning = true;
  bool skipped = false;
  bool after_gap = false;
};

// A daily or weekly shape: the value above the level, per bin of the period, with a bit per
// bin telling whether it was ever seen. A compact shape keeps its offsets to 16 bits (bfloat16:
// 8 significant bits, a relative precision of 0.4%, the float range): the weekly shape, whose
// 336 bins would otherwise take a third of the state, and whose offsets only matter to within
// a fraction of the curve's noise.
template <int kBinCount, bool kIsCompact = false>
struct SeasonalShape {
  static constexpr int kBins = kBinCount;
  static constexpr bool kCompact = kIsCompact;
  std::array<float, kBinCount> offset{};
  std::array<bool, kBinCount> seen{};
};

class SeasonalBand {
 public:
  Signals Observe(int64_t timestamp_ms, double value);

  void Encode(StateWriter* w) const;
  // Reads Encode's bytes, or an older version's: 1 (no recurrence memory), 2 (a float32 weekly
  // shape, no context), 3 (no ContextOse), 4 (ContextOse's frozen quantisation only). Leaves
  // *this half-decoded on failure; the caller checks r->ok() and discards it.
  void Decode(StateReader* r, int version);

 private:
  // A level with its robust scale (mean absolute residual) and level-shift tracking.
  struct Level {
    double level = 0;
    double scale = 0;
    double fit = 0;   // a slower average of the same, to choose the model by
    int32_t run = 0;  // consecutive same-sided outliers, signed by their side
    double run_sum = 0;
    int64_t run_since_ms = 0;  // the time of the run's first outlier
    void Encode(StateWriter* w) const;
    void Decode(StateReader* r);
  };
  enum Season : int { kNone = 0, kDaily = 1, kWeekly = 2, kSeasons = 3 };

  // Predicts, scores and learns one point with one model; returns the residual in scales.
  template <int kBins, bool kCompact>
  double Step(Level* m, SeasonalShape<kBins, kCompact>* shape, float* spreads, int64_t period_ms,
              double rate_per_pass, int64_t timestamp_ms, double value, double level_rate,
              double* expected, double* scale, bool* shifted);
  Season ActiveSeason(int64_t timestamp_ms) const;
  // The band signal divided by what recurs at this time of day (see kRecurrenceGain); learns
  // the point's band signal for the next days.
  double DiscountRecurrence(int64_t timestamp_ms, double band);
  double ScaleFloor(double level) const;

  int64_t points_ = 0;
  int64_t first_ms_ = 0;
  int64_t last_ms_ = 0;
  double typical_interval_ms_ = 0;
  double mean_ = 0;        // a slow mean of the values and their mean absolute deviation,
  double dispersion_ = 0;  // the unit of the scale floor on curves with no noise at all
  double shift_average_ = 0;
  double last_value_ = 0;
  int64_t flat_run_ = 0;    // points repeating last_value_
  double repeat_rate_ = 0;  // how often the curve repeats its previous value
  Level fast_;
  Level slow_[kSeasons];
  SeasonalShape<96> daily_;
  std::array<float, 96> daily_spread_{};  // the daily model's scale per bin
  SeasonalShape<336, /*kIsCompact=*/true> weekly_;
  // Per daily bin, the peak band signal of its latest pass and the decayed peak of the passes
  // before (DiscountRecurrence), in units of 1/8.
  std::array<uint8_t, 96> latest_peak_{};
  std::array<uint8_t, 96> past_peak_{};
  TailQuantile band_tail_[kSeasons];
  TailQuantile shift_tail_;
  TailQuantile local_tail_;
  ContextNovelty context_;
  TailQuantile context_tail_;
  ContextOse context_ose_;
};

}  // namespace vigie::alerts::detectors
