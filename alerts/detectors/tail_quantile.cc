#include "alerts/detectors/tail_quantile.h"

#include <algorithm>
#include <cmath>

namespace vigie::alerts::detectors {

namespace {
// Bin weights reach increment / (1 - kDecay): 2000 * 1e30 stays far below FLT_MAX.
constexpr double kMaxIncrement = 1e30;
}  // namespace

int TailQuantile::Bin(double value) {
  if (!(value > 0)) return 0;
  double b = std::floor((std::log2(value) + 2) * 4);
  return static_cast<int>(std::clamp(b, 0.0, double{kBins - 1}));
}

double TailQuantile::UpperEdge(int bin) { return std::exp2((bin + 1) / 4.0 - 2); }

double TailQuantile::Quantile(double q) const {
  if (total_ <= 0) return 0;
  double need = (1 - q) * total_, tail = 0;
  for (int i = kBins - 1; i >= 0; --i) {
    tail += counts_[i];
    if (tail >= need) return UpperEdge(i);
  }
  return UpperEdge(0);
}

void TailQuantile::Add(double value) {
  float& count = counts_[Bin(value)];
  count = static_cast<float>(count + increment_);
  total_ += increment_;
  increment_ /= kDecay;
  if (increment_ > kMaxIncrement) Normalise();
}

void TailQuantile::Normalise() {
  for (float& c : counts_) c = static_cast<float>(c / increment_);
  total_ /= increment_;
  increment_ = 1;
}

void TailQuantile::Encode(StateWriter* w) const {
  for (float c : counts_) w->F32(c);
  w->F64(total_);
  w->F64(increment_);
}

void TailQuantile::Decode(StateReader* r) {
  for (float& c : counts_) {
    c = r->F32();
    if (c < 0) r->Fail();
  }
  total_ = r->F64();
  increment_ = r->F64();
  if (total_ < 0 || increment_ < 1 || increment_ > kMaxIncrement / kDecay) r->Fail();
}

}  // namespace vigie::alerts::detectors
