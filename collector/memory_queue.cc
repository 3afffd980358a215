#include "collector/memory_queue.h"

#include <algorithm>

#include "collector/push_builder.h"

namespace vigie::collector {

bool MemoryQueue::Append(uint64_t seq, std::string request) {
  std::function<void()> listener;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || batches_.empty() || bytes_ < max_bytes_; });
    if (closed_) return false;
    bytes_ += request.size();
    batches_.push_back({seq, std::move(request)});
    last_seq_ = seq;
    listener = listener_;
  }
  if (listener) listener();
  return true;
}

void MemoryQueue::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool MemoryQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool MemoryQueue::WaitUntilAcknowledged() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || batches_.empty(); });
  return batches_.empty();
}

std::optional<BatchQueue::Outgoing> MemoryQueue::Next(uint64_t after, size_t max_bytes) {
  std::lock_guard lock(mu_);
  auto first = std::upper_bound(batches_.begin(), batches_.end(), after,
                                [](uint64_t s, const Batch& b) { return s < b.seq; });
  if (first == batches_.end()) return std::nullopt;
  Outgoing out{first->seq, 1, first->request};
  for (auto it = std::next(first); it != batches_.end(); ++it) {
    if (out.request.size() + it->request.size() > max_bytes) break;
    out.request += it->request;
    out.seq = it->seq;
    ++out.batches;
  }
  if (out.batches > 1) AppendFirstSeq(first->seq, &out.request);
  return out;
}

uint64_t MemoryQueue::LastSeq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

size_t MemoryQueue::Acknowledge(uint64_t seq) {
  std::lock_guard lock(mu_);
  size_t resolved = 0;
  while (!batches_.empty() && batches_.front().seq <= seq) {
    bytes_ -= batches_.front().request.size();
    batches_.pop_front();
    ++resolved;
  }
  if (resolved > 0) cv_.notify_all();
  return resolved;
}

uint64_t MemoryQueue::FirstUnresolved() const {
  std::lock_guard lock(mu_);
  return batches_.empty() ? 0 : batches_.front().seq;
}

void MemoryQueue::SetAppendListener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

}  // namespace vigie::collector
