#include "alerts/detectors/seasonal_band.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace vigie::alerts::detectors {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kWeekMs = 7 * kDayMs;
// Learning rates per point: the fast and slow levels, the scales, the shift average.
constexpr double kFastRate = 0.1;
constexpr double kSlowRate = 0.01;
constexpr double kScaleRate = 0.02;
constexpr double kShiftAverageRate = 0.1;
// The slower average of the same residuals that chooses between the models (days of data, so
// that a weekend does not make the daily model look better than the weekly one).
constexpr double kFitRate = 0.002;
// A shape bin moves this fraction of the way to the values seen at each pass over it.
constexpr double kDailyRatePerPass = 0.3;
constexpr double kWeeklyRatePerPass = 0.5;
// The daily spreads (mean absolute residual per bin) learn at half their bin's rate.
constexpr double kSpreadRateFactor = 0.5;
// Residuals count for at most kClip scales in what is learned.
constexpr double kClip = 3;
// kShiftRun residuals beyond kShiftScales on one side in a row, over at least kShiftMinMs, are
// a level shift. The time bound keeps a rule firing while a shift may still be an incident:
// evaluated every minute, five points would relearn a drop of logins before `for: 10m` passed.
constexpr double kShiftScales = 4;
constexpr int32_t kShiftRun = 5;
constexpr int64_t kShiftMinMs = 30 * 60 * 1000;
// Beyond this many points a run is capped (it bounds the decoded state).
constexpr int32_t kMaxRun = 1 << 30;
// A seasonal model must beat the simpler one's error by this factor, after this much data.
constexpr double kSeasonGain = 0.8;
constexpr int64_t kDailyMinMs = kDayMs * 3 / 2;
constexpr int64_t kWeeklyMinMs = kWeekMs * 3 / 2;
// The scale never falls under this fraction of the curve's dispersion (noise-free curves).
constexpr double kFloorFraction = 0.003;
constexpr double kDispersionRate = 0.001;
// A band signal that recurs at the same time of day (a nightly job's spike) is discounted by
// the peaks of the last days' passes over its daily bin and its two neighbours: a peak decays
// by kRecurrenceDecay per day, and the signal is divided by kRecurrenceGain times the
// remembered peak, so that a spike as high as yesterday's at the same time is within the band.
// Peaks are kept as uint8 in units of 1/kPeakResolution.
constexpr double kRecurrenceDecay = 0.7;
constexpr double kRecurrenceGain = 1.5;
constexpr double kPeakResolution = 8;
// Signals are in units of their recent kTailQuantile, calibrated after kCalibrationStart points.
constexpr double kTailQuantile = 0.995;
// The context signal's unit is its 99.9th percentile: a rank-calibrated novelty exceeds its own
// 0.5% tail on a clean curve too (some window of noise is always the least like the others), so
// it must be a rarer shape than the band's outliers are values.
constexpr double kContextTailQuantile = 0.999;
// ... and it is scored once its tail holds this many distances (a day of a 5-minute curve).
constexpr double kContextCalibrationWeight = 300;
constexpr int64_t kCalibrationStart = 30;
constexpr int64_t kLearningPoints = 100;
constexpr int64_t kLearningMs = kDayMs;
constexpr double kGapIntervals = 10;
// A curve that repeats a value less than 2% of the time (a rate over ~100 points) is flat-lining
// when it repeats one kFlatRun times in a row; flagged until kFlatRunAccepted points.
constexpr int64_t kFlatRun = 12;
constexpr int64_t kFlatRunAccepted = 10 * kFlatRun;
constexpr double kRepeatRate = 0.01;
constexpr double kMaxRepeatRate = 0.02;
constexpr double kMaxAbsValue = 1e150;
// Timestamps beyond +-1e15 ms (the year 33658) are not used, so that no difference overflows.
constexpr int64_t kMaxAbsTimestampMs = 1'000'000'000'000'000;
constexpr int64_t kMaxPoints = int64_t{1} << 62;
// A mean absolute deviation is 0.8 standard deviations of Gaussian noise.
constexpr double kScaleToSigma = 1.25;

// Shapes and spreads are floats: a restored state or an absurd value must not overflow them.
float ToFloat(double v) {
  constexpr double kMax = std::numeric_limits<float>::max();
  return static_cast<float>(std::clamp(v, -kMax, kMax));
}

// A compact shape's offsets (SeasonalShape) are bfloat16: the upper half of a float32, rounded to
// the nearest (ties to even). Bounded under the largest finite bfloat16, so that rounding never
// makes an infinity.
constexpr double kMaxBFloat16 = 3.38e38;

uint16_t BFloat16Bits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

float FromBFloat16Bits(uint16_t half) {
  uint32_t bits = uint32_t{half} << 16;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// What a shape stores for an offset: a float, or a bfloat16 held in a float for a compact shape.
template <bool kCompact>
float StoredOffset(double v) {
  if (!kCompact) return ToFloat(v);
  return FromBFloat16Bits(
      BFloat16Bits(static_cast<float>(std::clamp(v, -kMaxBFloat16, kMaxBFloat16))));
}

int BinOf(int64_t timestamp_ms, int64_t period_ms, int bins) {
  int64_t phase = ((timestamp_ms % period_ms) + period_ms) % period_ms;
  return static_cast<int>(phase * bins / period_ms);
}

// A residual in units of its recent tail: 1 is "as far out as the worst 0.5% lately".
double Calibrated(TailQuantile* tail, double residual, int64_t points) {
  double unit = std::max(tail->Quantile(kTailQuantile), 1.0);
  if (points > kCalibrationStart) tail->Add(residual);
  return residual / unit;
}

}  // namespace

double SeasonalBand::ScaleFloor(double level) const {
  return std::max(1e-9 * std::max(1.0, std::fabs(level)), kFloorFraction * dispersion_);
}

SeasonalBand::Season SeasonalBand::ActiveSeason(int64_t timestamp_ms) const {
  int64_t span = timestamp_ms - first_ms_;
  Season active = kNone;
  if (span >= kDailyMinMs && slow_[kDaily].fit < kSeasonGain * slow_[kNone].fit) {
    active = kDaily;
  }
  if (span >= kWeeklyMinMs && slow_[kWeekly].fit < kSeasonGain * slow_[active].fit) {
    active = kWeekly;
  }
  return active;
}

template <int kBins, bool kCompact>
double SeasonalBand::Step(Level* m, SeasonalShape<kBins, kCompact>* shape, float* spreads,
                          int64_t period_ms, double rate_per_pass, int64_t timestamp_ms,
                          double value, double level_rate, double* expected, double* scale,
                          bool* shifted) {
  int bin = shape ? BinOf(timestamp_ms, period_ms, kBins) : 0;
  double offset = shape && shape->seen[bin] ? shape->offset[bin] : 0;
  double residual = value - (m->level + offset);
  // With a spread per bin, the band is wider where the curve is noisier (the busy hours).
  float* spread = spreads && shape->seen[bin] ? &spreads[bin] : nullptr;
  double s = std::max(spread ? 0.5 * (m->scale + *spread) : m->scale, ScaleFloor(m->level));
  *expected = m->level + offset;
  *scale = s;
  double z = points_ < 3 ? 0 : std::fabs(residual) / (kScaleToSigma * s);
  // The first points set the scale: nothing is an outlier yet.
  bool robust = points_ >= 10;
  double clipped = robust ? std::clamp(residual, -kClip * s, kClip * s) : residual;
  if (z > kShiftScales) {
    int32_t side = residual > 0 ? 1 : -1;
    if (m->run * side > 0) {
      if (m->run * side < kMaxRun) m->run += side;
      m->run_sum += residual;
    } else {
      m->run = side;
      m->run_sum = residual;
      m->run_since_ms = timestamp_ms;
    }
    if (m->run * side >= kShiftRun && timestamp_ms - m->run_since_ms >= kShiftMinMs) {
      m->level += m->run_sum / (m->run * side);
      *shifted = true;
      m->run = 0;
      m->run_sum = 0;
      clipped = 0;
    }
  } else {
    m->run = 0;
    m->run_sum = 0;
  }
  m->level += level_rate * clipped;
  if (shape) {
    double target = value - m->level;
    if (!shape->seen[bin]) {
      shape->offset[bin] = StoredOffset<kCompact>(target);
      shape->seen[bin] = true;
      if (spreads) spreads[bin] = ToFloat(s);
    } else {
      double bin_ms = static_cast<double>(period_ms) / kBins;
      double passes = std::clamp(static_cast<double>(timestamp_ms - last_ms_) / bin_ms, 0.0, 1.0);
      double rate = 1 - std::pow(1 - rate_per_pass, passes);
      double delta = target - shape->offset[bin];
      if (robust) delta = std::clamp(delta, -kClip * s, kClip * s);
      shape->offset[bin] = StoredOffset<kCompact>(shape->offset[bin] + rate * delta);
      if (spread) {
        double bounded = std::min(std::fabs(residual), kClip * s);
        *spread = ToFloat(*spread + kSpreadRateFactor * rate * (bounded - *spread));
      }
    }
  }
  double absolute = std::fabs(residual);
  double bounded = robust ? std::min(absolute, kClip * s) : absolute;
  m->scale += kScaleRate * (bounded - m->scale);
  m->fit += kFitRate * (bounded - m->fit);
  return z;
}

double SeasonalBand::DiscountRecurrence(int64_t timestamp_ms, double band) {
  constexpr int kBins = static_cast<int>(std::tuple_size_v<decltype(past_peak_)>);
  int bin = BinOf(timestamp_ms, kDayMs, kBins);
  // A new pass over the bin: the previous pass (a day ago) joins the older, decayed ones.
  if (points_ == 1 || bin != BinOf(last_ms_, kDayMs, kBins) ||
      timestamp_ms - last_ms_ >= kDayMs / kBins) {
    past_peak_[bin] = static_cast<uint8_t>(
        std::max<double>(past_peak_[bin] * kRecurrenceDecay, latest_peak_[bin]));
    latest_peak_[bin] = 0;
  }
  // The bin after this one was last passed a day ago; the one before, earlier today (only its
  // older passes count, so that an event spanning two bins is not its own recurrence).
  int next = (bin + 1) % kBins, previous = (bin + kBins - 1) % kBins;
  double recalled =
      std::max({past_peak_[previous], past_peak_[bin], past_peak_[next], latest_peak_[next]}) /
      kPeakResolution;
  uint8_t peak = static_cast<uint8_t>(std::min(255.0, std::round(band * kPeakResolution)));
  latest_peak_[bin] = std::max(latest_peak_[bin], peak);
  return band / std::max(1.0, kRecurrenceGain * recalled);
}

Signals SeasonalBand::Observe(int64_t timestamp_ms, double value) {
  Signals out;
  bool usable = std::isfinite(value) && timestamp_ms >= -kMaxAbsTimestampMs &&
                timestamp_ms <= kMaxAbsTimestampMs && (points_ == 0 || timestamp_ms >= last_ms_);
  if (!usable) {
    out.skipped = true;
    out.learning = points_ < kLearningPoints || last_ms_ - first_ms_ < kLearningMs;
    return out;
  }
  value = std::clamp(value, -kMaxAbsValue, kMaxAbsValue);
  if (points_ == 0) {
    first_ms_ = last_ms_ = timestamp_ms;
    mean_ = value;
    last_value_ = value;
    fast_.level = value;
    for (Level& m : slow_) m.level = value;
  }
  double interval = static_cast<double>(timestamp_ms - last_ms_);
  if (points_ >= 2 && interval > kGapIntervals * typical_interval_ms_) out.after_gap = true;
  if (interval > 0) {
    typical_interval_ms_ =
        typical_interval_ms_ == 0
            ? interval
            : typical_interval_ms_ +
                  0.05 * (std::min(interval, 3 * typical_interval_ms_) - typical_interval_ms_);
  }
  ++points_;
  Season active = ActiveSeason(timestamp_ms);
  double rate = points_ < 100 ? 1.0 / points_ : kDispersionRate;
  dispersion_ += rate * (std::fabs(value - mean_) - dispersion_);
  mean_ += rate * (value - mean_);

  double expected[kSeasons], scale[kSeasons], fast_expected, fast_scale;
  bool shifted[kSeasons] = {false, false, false}, fast_shifted = false;
  SeasonalShape<1>* no_shape = nullptr;
  double z[kSeasons] = {
      Step(&slow_[kNone], no_shape, nullptr, 1, 0, timestamp_ms, value, kSlowRate, &expected[kNone],
           &scale[kNone], &shifted[kNone]),
      Step(&slow_[kDaily], &daily_, daily_spread_.data(), kDayMs, kDailyRatePerPass, timestamp_ms,
           value, kSlowRate, &expected[kDaily], &scale[kDaily], &shifted[kDaily]),
      Step(&slow_[kWeekly], &weekly_, nullptr, kWeekMs, kWeeklyRatePerPass, timestamp_ms, value,
           kSlowRate, &expected[kWeekly], &scale[kWeekly], &shifted[kWeekly])};
  for (int k = 0; k < kSeasons; ++k) {
    double unit = std::max(band_tail_[k].Quantile(kTailQuantile), 1.0);
    if (k == active) {
      out.band = z[k] / unit;
      out.half_width = kScaleToSigma * scale[k] * unit;
    }
    if (points_ > kCalibrationStart) band_tail_[k].Add(z[k]);
  }
  out.band = DiscountRecurrence(timestamp_ms, out.band);
  double z_fast = Step(&fast_, no_shape, nullptr, 1, 0, timestamp_ms, value, kFastRate,
                       &fast_expected, &fast_scale, &fast_shifted);

  out.expected = expected[active];
  // Once the level has moved to the new regime, the departure is explained: flagged once.
  if (shifted[active]) shift_average_ = 0;
  shift_average_ += kShiftAverageRate * (std::min(z[active], 20.0) - shift_average_);
  out.shift = Calibrated(&shift_tail_, shift_average_, points_);
  out.local = Calibrated(&local_tail_, z_fast, points_);
  if (std::optional<double> distance = context_.Observe(timestamp_ms, value, out.after_gap)) {
    if (context_tail_.weight() >= kContextCalibrationWeight) {
      out.context = *distance / std::max(context_tail_.Quantile(kContextTailQuantile), 1.0);
    }
    context_tail_.Add(*distance);
  }
  if (std::optional<double> novel = context_ose_.Observe(timestamp_ms, value, out.after_gap)) {
    out.novel_context = *novel;
  }
  bool repeated = value == last_value_;
  if (!repeated && points_ > 1) {
    // A run of repeats is learned when it ends, and only up to kFlatRun of it: a flat line is
    // flagged while it lasts, and the next one will be too.
    for (int64_t i = 0; i < std::min(flat_run_, kFlatRun); ++i) {
      repeat_rate_ += kRepeatRate * (1 - repeat_rate_);
    }
    repeat_rate_ -= kRepeatRate * repeat_rate_;
  }
  flat_run_ = repeated ? flat_run_ + 1 : 0;
  if (flat_run_ >= kFlatRun && flat_run_ < kFlatRunAccepted && repeat_rate_ < kMaxRepeatRate) {
    out.flat = std::min(2.0, static_cast<double>(flat_run_) / kFlatRun);
  }
  last_value_ = value;
  last_ms_ = timestamp_ms;
  out.learning = points_ < kLearningPoints || timestamp_ms - first_ms_ < kLearningMs;
  return out;
}

void SeasonalBand::Level::Encode(StateWriter* w) const {
  w->F64(level);
  w->F64(scale);
  w->F64(fit);
  w->U32(static_cast<uint32_t>(run));
  w->F64(run_sum);
  w->I64(run_since_ms);
}

void SeasonalBand::Level::Decode(StateReader* r) {
  level = r->F64();
  scale = r->F64();
  fit = r->F64();
  run = static_cast<int32_t>(r->U32());
  run_sum = r->F64();
  run_since_ms = r->I64();
  if (scale < 0 || fit < 0 || run > kMaxRun || run < -kMaxRun) r->Fail();
}

namespace {

template <int kBins, bool kCompact>
void EncodeShape(const SeasonalShape<kBins, kCompact>& shape, StateWriter* w) {
  for (int i = 0; i < kBins; i += 8) {
    uint8_t bits = 0;
    for (int j = 0; j < 8 && i + j < kBins; ++j) bits |= shape.seen[i + j] << j;
    w->U8(bits);
  }
  for (float v : shape.offset) {
    if (kCompact) {
      w->U16(BFloat16Bits(v));
    } else {
      w->F32(v);
    }
  }
}

// `wide`: the offsets were written as float32 (a compact shape before version 3); they are
// rounded to what the shape holds now.
template <int kBins, bool kCompact>
void DecodeShape(SeasonalShape<kBins, kCompact>* shape, StateReader* r, bool wide) {
  for (int i = 0; i < kBins; i += 8) {
    uint8_t bits = r->U8();
    for (int j = 0; j < 8 && i + j < kBins; ++j) shape->seen[i + j] = (bits >> j) & 1;
  }
  for (float& v : shape->offset) {
    if (kCompact && !wide) {
      v = FromBFloat16Bits(r->U16());
      if (!std::isfinite(v)) r->Fail();
    } else {
      v = StoredOffset<kCompact>(r->F32());
    }
  }
}

}  // namespace

void SeasonalBand::Encode(StateWriter* w) const {
  w->I64(points_);
  w->I64(first_ms_);
  w->I64(last_ms_);
  w->F64(typical_interval_ms_);
  w->F64(mean_);
  w->F64(dispersion_);
  w->F64(shift_average_);
  w->F64(last_value_);
  w->I64(flat_run_);
  w->F64(repeat_rate_);
  fast_.Encode(w);
  for (const Level& m : slow_) m.Encode(w);
  EncodeShape(daily_, w);
  for (float v : daily_spread_) w->F32(v);
  EncodeShape(weekly_, w);
  for (const TailQuantile& t : band_tail_) t.Encode(w);
  shift_tail_.Encode(w);
  local_tail_.Encode(w);
  for (uint8_t v : latest_peak_) w->U8(v);
  for (uint8_t v : past_peak_) w->U8(v);
  context_.Encode(w);
  context_tail_.Encode(w);
  context_ose_.Encode(w);
}

void SeasonalBand::Decode(StateReader* r, int version) {
  points_ = r->I64();
  first_ms_ = r->I64();
  last_ms_ = r->I64();
  typical_interval_ms_ = r->F64();
  mean_ = r->F64();
  dispersion_ = r->F64();
  shift_average_ = r->F64();
  last_value_ = r->F64();
  flat_run_ = r->I64();
  repeat_rate_ = r->F64();
  if (points_ < 0 || points_ > kMaxPoints || flat_run_ < 0 || flat_run_ > kMaxPoints ||
      first_ms_ < -kMaxAbsTimestampMs || last_ms_ > kMaxAbsTimestampMs || last_ms_ < first_ms_ ||
      typical_interval_ms_ < 0 || dispersion_ < 0 || shift_average_ < 0 || repeat_rate_ < 0 ||
      repeat_rate_ > 1) {
    r->Fail();
  }
  fast_.Decode(r);
  for (Level& m : slow_) m.Decode(r);
  DecodeShape(&daily_, r, /*wide=*/true);
  for (float& v : daily_spread_) {
    v = r->F32();
    if (v < 0) r->Fail();
  }
  DecodeShape(&weekly_, r, /*wide=*/version < 3);
  for (TailQuantile& t : band_tail_) t.Decode(r);
  shift_tail_.Decode(r);
  local_tail_.Decode(r);
  // Version 1 states had no recurrence memory: nothing recurs yet.
  if (version >= 2) {
    for (uint8_t& v : latest_peak_) v = r->U8();
    for (uint8_t& v : past_peak_) v = r->U8();
  }
  // Before version 3 there was no context: it starts learning now.
  if (version >= 3) {
    context_.Decode(r);
    context_tail_.Decode(r);
  }
  // Before version 4 there was no ContextOse: it warms up from now on; version 4's had the
  // frozen quantisation only.
  if (version >= 4) context_ose_.Decode(r, /*with_growing=*/version >= 5);
}

}  // namespace vigie::alerts::detectors
