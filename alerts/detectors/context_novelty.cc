#include "alerts/detectors/context_novelty.h"

#include <algorithm>
#include <cstdlib>

namespace vigie::alerts::detectors {

namespace {
// seen_ is bounded so that a corrupt state cannot overflow the index arithmetic.
constexpr int64_t kMaxSeen = int64_t{1} << 62;
}  // namespace

std::optional<double> ContextNovelty::Observe(double value, bool after_gap) {
  if (seen_ == 0) low_ = high_ = value;
  low_ = std::min(low_, value);
  high_ = std::max(high_, value);
  double span = high_ - low_;
  int level =
      span > 0 ? std::min(kLevels - 1, static_cast<int>((value - low_) / span * kLevels)) : 0;
  int64_t now = seen_;
  if (after_gap) since_gap_ = now;
  levels_[now % kHistory] = static_cast<uint8_t>(level);
  if (seen_ < kMaxSeen) ++seen_;
  low_ += kRangeContraction * (value - low_);
  high_ += kRangeContraction * (value - high_);
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
  w->I64(seen_);
  w->I64(since_gap_);
  w->F64(low_);
  w->F64(high_);
  for (uint8_t v : levels_) w->U8(v);
}

void ContextNovelty::Decode(StateReader* r) {
  seen_ = r->I64();
  since_gap_ = r->I64();
  low_ = r->F64();
  high_ = r->F64();
  if (seen_ < 0 || seen_ > kMaxSeen || since_gap_ < 0 || since_gap_ > seen_ || low_ > high_) {
    r->Fail();
  }
  for (uint8_t& v : levels_) {
    v = r->U8();
    if (v >= kLevels) r->Fail();
  }
}

}  // namespace vigie::alerts::detectors
