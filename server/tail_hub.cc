#include "server/tail_hub.h"

#include <algorithm>
#include <optional>

#include "query/logql/selector.h"

namespace vigie::server {

uint64_t TailHub::Subscription::Next(std::vector<TailEntry>* out,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return cancelled_ || !queue_.empty(); });
  for (TailEntry& e : queue_) out->push_back(std::move(e));
  queue_.clear();
  uint64_t dropped = dropped_;
  dropped_ = 0;
  return dropped;
}

void TailHub::Subscription::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool TailHub::Subscription::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

std::shared_ptr<TailHub::Subscription> TailHub::Subscribe(logql::LogSelector selector) {
  std::shared_ptr<Subscription> sub(new Subscription(std::move(selector), queue_capacity_));
  std::lock_guard lock(mu_);
  subscriptions_.push_back(sub);
  return sub;
}

void TailHub::Publish(const store::AppendRequest& request) {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    std::lock_guard lock(mu_);
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      auto sub = it->lock();
      if (!sub || sub->cancelled()) {
        it = subscriptions_.erase(it);
      } else {
        live.push_back(std::move(sub));
        ++it;
      }
    }
  }
  for (const auto& sub : live) {
    bool added = false;
    for (const store::StreamEntries& stream : request.streams) {
      if (!logql::SelectorMatches(sub->selector_, stream.labels)) continue;
      // The stages after the line filters (| json ...), with this thread's own state.
      std::optional<logql::StreamPipeline> pipeline;
      if (!sub->selector_.pipeline.empty())
        pipeline.emplace(sub->selector_.pipeline, stream.labels);
      for (const store::LogEntry& e : stream.entries) {
        if (!sub->selector_.filter.empty() && !sub->selector_.filter.Matches(e.line)) continue;
        if (pipeline && !pipeline->Process(e.ts_ns, e.line)) continue;
        std::lock_guard lock(sub->mu_);
        if (sub->queue_.size() >= sub->capacity_) {
          ++sub->dropped_;
        } else {
          sub->queue_.push_back(
              pipeline ? TailEntry{pipeline->LineLabels(), e.ts_ns, std::string(pipeline->line())}
                       : TailEntry{stream.labels, e.ts_ns, e.line});
          added = true;
        }
      }
    }
    if (added) sub->cv_.notify_all();
  }
}

size_t TailHub::followers() const {
  std::lock_guard lock(mu_);
  return std::count_if(subscriptions_.begin(), subscriptions_.end(), [](const auto& weak) {
    auto sub = weak.lock();
    return sub && !sub->cancelled();
  });
}

}  // namespace vigie::server
