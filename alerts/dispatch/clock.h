// The dispatcher's and the silences' notion of now, so that unit tests run on fake time.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/time.h"

namespace vigie::alerts {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Unix milliseconds.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override { return NowNanos() / kNanosPerMilli; }
};

// Time that moves only when told to (tests).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void Set(int64_t now_ms) { now_ms_ = now_ms; }
  void Advance(int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace vigie::alerts
