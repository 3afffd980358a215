#include "server/request_budget.h"

#include "common/strings.h"

namespace vigie::server {

RequestBudget::Reservation& RequestBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.bytes_ = 0;
  }
  return *this;
}

bool RequestBudget::Reservation::Grow(uint64_t bytes) {
  if (budget_ == nullptr) {
    bytes_ += bytes;
    return true;
  }
  std::atomic<uint64_t>& in_use = budget_->in_use_;
  uint64_t current = in_use.load(std::memory_order_relaxed);
  do {
    bool alone = current == bytes_;
    if (!alone && (current + bytes > budget_->capacity_ || current + bytes < current)) {
      return false;
    }
  } while (!in_use.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  bytes_ += bytes;
  if (current + bytes >= kBurstBytes) budget_->burst_.store(true, std::memory_order_relaxed);
  return true;
}

void RequestBudget::Reservation::Release() {
  if (budget_ != nullptr && bytes_ > 0) {
    uint64_t left = budget_->in_use_.fetch_sub(bytes_, std::memory_order_relaxed) - bytes_;
    if (left == 0 && budget_->after_burst_ &&
        budget_->burst_.exchange(false, std::memory_order_relaxed)) {
      budget_->after_burst_();
    }
  }
  bytes_ = 0;
}

std::string RequestBudget::ExhaustedMessage() const {
  constexpr uint64_t kMiB = 1 << 20;
  return StrCat("vigied is busy: requests in flight hold ", in_use() / kMiB, " MiB of its ",
                capacity_ / kMiB, " MiB budget (--max-inflight-request-bytes); retry in ",
                kRetryAfterSeconds, " s");
}

}  // namespace vigie::server
