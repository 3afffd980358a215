// Live tail: followers register a log selector and receive the matching entries of every batch
// stored after they subscribed.
//
// Thread safety: all methods may be called concurrently. Publish() never blocks on a slow
// follower: its bounded queue overflows into a dropped count instead.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>

#include "query/logql/ast.h"
#include "store/store.h"

namespace vigie::server {

struct TailEntry {
  LabelSet labels;
  int64_t ts_ns;
  std::string line;
};

class TailHub {
 public:
  class Subscription {
   public:
    // Waits up to `timeout` for entries; moves them (in arrival order) into `out` and returns
    // the number dropped since the last call. Returns without entries once cancelled.
    uint64_t Next(std::vector<TailEntry>* out, std::chrono::milliseconds timeout);
    void Cancel();
    bool cancelled() const;

   private:
    friend class TailHub;
    Subscription(logql::LogSelector selector, size_t capacity)
        : selector_(std::move(selector)), capacity_(capacity) {}
    logql::LogSelector selector_;
    size_t capacity_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<TailEntry> queue_;
    uint64_t dropped_ = 0;
    bool cancelled_ = false;
  };

  explicit TailHub(size_t queue_capacity = 10000) : queue_capacity_(queue_capacity) {}

  // The subscription stays registered until cancelled or released by its last owner.
  std::shared_ptr<Subscription> Subscribe(logql::LogSelector selector);
  // Offers the stored entries of `request` to every follower.
  void Publish(const store::AppendRequest& request);
  size_t followers() const;

 private:
  size_t queue_capacity_;
  mutable std::mutex mu_;
  std::list<std::weak_ptr<Subscription>> subscriptions_;
};

}  // namespace vigie::server
