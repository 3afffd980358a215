// Delays between reconnection attempts: exponential (each failure doubles the delay, from
// `min` up to `max`) with jitter (the delay used is drawn from [delay/2, delay]), so that many
// clients cut off together (collectors, `vigie push`) do not all reconnect in the same instant.
//
// Thread safety: none; owned by one thread.
#pragma once

#include <chrono>
#include <random>

namespace vigie {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, uint64_t seed)
      : min_(min), max_(max), current_(min), rng_(seed) {}

  // The delay before the next attempt; doubles the following one.
  std::chrono::milliseconds Next();
  // After a success: the next delay starts again from `min`.
  void Reset() { current_ = min_; }

 private:
  const std::chrono::milliseconds min_, max_;
  std::chrono::milliseconds current_;
  std::mt19937_64 rng_;
};

}  // namespace vigie
