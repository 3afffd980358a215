// A server-wide budget of the bytes that requests in flight hold, on HTTP and gRPC alike: bodies
// as received (compressed) and as decompressed. A request reserves bytes before it allocates
// them and gives them back when it is done (answered, or its batch committed or refused). Past
// the budget a request is refused with 429 and Retry-After (HTTP) or RESOURCE_EXHAUSTED (gRPC),
// and its sender retries later, so that vigied's memory stays bounded however many senders push
// at once (docs/operations.md, "Memory").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace vigie::server {

class RequestBudget {
 public:
  // When to retry, as told to a refused sender.
  static constexpr int kRetryAfterSeconds = 1;

  // A burst: the bytes in use reached this much.
  static constexpr uint64_t kBurstBytes = 64 << 20;

  // `after_burst`, when set, is called each time the bytes in use fall back to zero after a
  // burst, on the thread that released the last bytes: vigied gives the burst's memory back to
  // the system there (malloc_trim), which glibc would otherwise keep in its arenas.
  explicit RequestBudget(uint64_t capacity_bytes, std::function<void()> after_burst = {})
      : capacity_(capacity_bytes), after_burst_(std::move(after_burst)) {}
  RequestBudget(const RequestBudget&) = delete;
  RequestBudget& operator=(const RequestBudget&) = delete;

  // The bytes one request holds, given back on destruction. A reservation from no budget
  // (default-constructed, or from a null budget) grants everything. Move-only; not thread-safe
  // itself: one request uses it from one thread at a time.
  class Reservation {
   public:
    Reservation() = default;
    explicit Reservation(RequestBudget* budget) : budget_(budget) {}
    Reservation(Reservation&& other) noexcept { *this = std::move(other); }
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation() { Release(); }

    // Reserves `bytes` more; false, with nothing more reserved, when the budget cannot hold
    // them. A request that is alone in the budget is always granted, so that a budget smaller
    // than the largest request slows senders down instead of refusing that request forever.
    bool Grow(uint64_t bytes);
    // Gives every byte back.
    void Release();
    uint64_t bytes() const { return bytes_; }

   private:
    RequestBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // Thread-safe, as is everything below.
  Reservation NewReservation() { return Reservation(this); }
  uint64_t capacity() const { return capacity_; }
  uint64_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  // Why a request was refused and when to retry, for the error answer.
  std::string ExhaustedMessage() const;

 private:
  const uint64_t capacity_;
  const std::function<void()> after_burst_;
  std::atomic<uint64_t> in_use_{0};
  std::atomic<bool> burst_{false};  // in_use_ reached kBurstBytes since after_burst_ last ran.
};

}  // namespace vigie::server
