#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>

namespace vigie {
namespace {

TEST(WorkerPool, RunsEachIndexExactlyOnce) {
  WorkerPool pool(3);
  for (size_t n : {0, 1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> calls(n);
    pool.ParallelFor(n, [&](size_t i) { calls[i].fetch_add(1); });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(WorkerPool, WithoutHelpersRunsOnTheCaller) {
  WorkerPool pool(0);
  std::thread::id caller = std::this_thread::get_id();
  int calls = 0;
  pool.ParallelFor(5, [&](size_t) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ++calls;
  });
  EXPECT_EQ(calls, 5);
}

// Two tasks that each wait for the other to start can only finish if a helper runs one of them
// while the caller runs the other.
TEST(WorkerPool, TasksRunConcurrently) {
  WorkerPool pool(1);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool both_seen = true;
  pool.ParallelFor(2, [&](size_t) {
    std::unique_lock lock(mu);
    ++started;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == 2; })) {
      both_seen = false;
    }
  });
  EXPECT_TRUE(both_seen);
}

TEST(WorkerPool, ConcurrentCallersShareThePool) {
  WorkerPool pool(2);
  std::atomic<size_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        pool.ParallelFor(10, [&](size_t i) { total.fetch_add(i + 1); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 4u * 50u * 55u);
}

}  // namespace
}  // namespace vigie
