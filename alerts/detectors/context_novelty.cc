#include "alerts/detectors/context_novelty.h"

#include <algorithm>
#include <cstdlib>

namespace vigie::alerts::detectors {

namespace {
// Counts are bounded so that a corrupt state cannot overflow the index arithmetic.
constexpr int64_t kMaxSteps = int64_t{1} << 62;
}  // namespace

std::optional<double> ContextNovelty::Observe(int64_t timestamp_ms, double value, bool after_gap) {
  int64_t step = timestamp_ms >= 0 ? timestamp_ms / kStepMs : -((-timestamp_ms - 1) / kStepMs) - 1;
  if (steps_ == 0 || step != step_) {
    if (steps_ == 0) {
      low_ = high_ = value;
    } else {
      // The step that ended pulls the range towards it.
      double mean = step_sum_ / static_cast<double>(step_points_);
      low_ += kRangeContraction * (mean - low_);
      high_ += kRangeContraction * (mean - high_);
    }
    if (steps_ < kMaxSteps) ++steps_;
    step_ = step;
    step_points_ = 0;
    step_sum_ = 0;
  }
  int64_t now = steps_ - 1;
  if (after_gap) since_gap_ = now;
  ++step_points_;
  step_sum_ += value;
  low_ = std::min(low_, value);
  high_ = std::max(high_, value);
  double mean = std::clamp(step_sum_ / static_cast<double>(step_points_), low_, high_);
  double span = high_ - low_;
  int level =
      span > 0 ? std::min(kLevels - 1, static_cast<int>((mean - low_) / span * kLevels)) : 0;
  levels_[now % kHistory] = static_cast<uint8_t>(level);
  // Scored once the history holds every candidate window whole.
  if (now < kHistory || now - since_gap_ < kWindow) return std::nullopt;

  // The candidates end at the multiples of kStride before now (the windows the history kept).
  int64_t last_end = (now - 1) / kStride * kStride;
  int best = kWindow * kLevels;
  for (int c = 0; c < kCandidates; ++c) {
    int64_t end = last_end - int64_t{c} * kStride;
    int distance = 0;
    for (int k = 0; k < kWindow && distance < best; ++k) {
      distance += std::abs(Level(now - k) - Level(end - k));
    }
    best = std::min(best, distance);
    if (best == 0) break;
  }
  return best;
}

void ContextNovelty::Encode(StateWriter* w) const {
  w->I64(steps_);
  w->I64(since_gap_);
  w->I64(step_);
  w->I64(step_points_);
  w->F64(step_sum_);
  w->F64(low_);
  w->F64(high_);
  for (uint8_t v : levels_) w->U8(v);
}

void ContextNovelty::Decode(StateReader* r) {
  steps_ = r->I64();
  since_gap_ = r->I64();
  step_ = r->I64();
  step_points_ = r->I64();
  step_sum_ = r->F64();
  low_ = r->F64();
  high_ = r->F64();
  if (steps_ < 0 || steps_ > kMaxSteps || since_gap_ < 0 || since_gap_ > steps_ ||
      step_points_ < 0 || step_points_ > kMaxSteps || (steps_ > 0 && step_points_ == 0) ||
      low_ > high_) {
    r->Fail();
  }
  for (uint8_t& v : levels_) {
    v = r->U8();
    if (v >= kLevels) r->Fail();
  }
}

}  // namespace vigie::alerts::detectors
