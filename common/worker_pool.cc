#include "common/worker_pool.h"

#include <atomic>

namespace vigie {

// Shared by the caller and the helpers it invited. A helper that arrives after every index was
// claimed touches nothing but the counters, so the caller's `task` need only outlive the calls.
struct WorkerPool::Job {
  const std::function<void(size_t)>* task;
  size_t n;
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t done = 0;  // Guarded by mu.
};

WorkerPool::WorkerPool(size_t threads) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Work(Job& job) {
  size_t finished = 0;
  for (size_t i; (i = job.next.fetch_add(1)) < job.n;) {
    (*job.task)(i);
    ++finished;
  }
  if (finished == 0) return;
  std::lock_guard lock(job.mu);
  job.done += finished;
  if (job.done == job.n) job.all_done.notify_all();
}

void WorkerPool::Run() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping, and nothing left to help with.
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Work(*job);
  }
}

void WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& task) {
  if (n == 0) return;
  auto job = std::make_shared<Job>();
  job->task = &task;
  job->n = n;
  size_t helpers = std::min(threads_.size(), n - 1);
  if (helpers > 0) {
    {
      std::lock_guard lock(mu_);
      for (size_t i = 0; i < helpers; ++i) queue_.push_back(job);
    }
    helpers == 1 ? wake_.notify_one() : wake_.notify_all();
  }
  Work(*job);
  std::unique_lock lock(job->mu);
  job->all_done.wait(lock, [&] { return job->done == n; });
}

}  // namespace vigie
