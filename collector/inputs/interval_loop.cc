#include "collector/inputs/interval_loop.h"

namespace vigie::collector {

void IntervalLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void IntervalLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IntervalLoop::Run() {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!cv_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    task_();
    auto now = std::chrono::steady_clock::now();
    do {
      next += interval_;
    } while (next <= now);
    lock.lock();
  }
}

}  // namespace vigie::collector
