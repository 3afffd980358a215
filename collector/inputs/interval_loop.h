// A task run on a thread of its own at once and then every interval, on the interval's grid
// (a run that overruns skips the slots it missed instead of running twice): what the scrape and
// host inputs do per target.
//
// Thread safety: Start and Stop from the owner; the task runs on the loop's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace vigie::collector {

class IntervalLoop {
 public:
  IntervalLoop(std::chrono::milliseconds interval, std::function<void()> task)
      : interval_(interval), task_(std::move(task)) {}
  ~IntervalLoop() { Stop(); }
  IntervalLoop(const IntervalLoop&) = delete;
  IntervalLoop& operator=(const IntervalLoop&) = delete;

  void Start();
  // Waits for a running task to end; no task starts after it.
  void Stop();

 private:
  void Run();

  const std::chrono::milliseconds interval_;
  const std::function<void()> task_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigie::collector
