#include "common/backoff.h"

#include <algorithm>

namespace vigie {

std::chrono::milliseconds Backoff::Next() {
  std::chrono::milliseconds base = current_;
  current_ = std::min(max_, current_ * 2);
  std::uniform_int_distribution<int64_t> jitter(base.count() / 2, base.count());
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace vigie
