// A fixed set of threads that share the CPU-heavy parts of a request (encoding the blocks of a
// batch) so that one sender's batch does not wait on one core while the others idle.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vigie {

// Thread-safe: ParallelFor may be called from several threads at once; their tasks share the
// pool's threads. The destructor waits for the threads, which by then run no task (every
// ParallelFor has returned).
class WorkerPool {
 public:
  // `threads` helpers besides the caller of ParallelFor; 0 runs everything on the caller.
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls task(i) once for each i in [0, n), on the calling thread and on idle helpers, and
  // returns when every call has returned. Tasks must not throw.
  void ParallelFor(size_t n, const std::function<void(size_t)>& task);

 private:
  struct Job;
  void Run();
  // Claims and runs indices of `job` until none is left.
  static void Work(Job& job);

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // One entry per helper invited to a job.
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vigie
