// vigie push's BatchQueue: the batches read from files or standard input wait here, in memory,
// until vigied acknowledges them. Append blocks while the queue is full, so that reading stops
// while vigied is slow or away and memory stays bounded.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "collector/batch_queue.h"

namespace vigie::collector {

class MemoryQueue final : public BatchQueue {
 public:
  // Append waits while the queued requests hold `max_bytes` (one request is always let in,
  // however large).
  explicit MemoryQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Queues `request`, a serialized PushRequest numbered `seq` (above every queued one). Blocks
  // while the queue is full. False, without queuing, once the queue is closed.
  bool Append(uint64_t seq, std::string request);
  // Fails every Append from now on, waking those that wait; WaitUntilAcknowledged returns.
  void Close();
  bool closed() const;
  // Waits until every appended batch is acknowledged (true) or the queue is closed (false).
  bool WaitUntilAcknowledged();

  std::optional<Outgoing> Next(uint64_t after, size_t max_bytes) override;
  uint64_t LastSeq() const override;
  size_t Acknowledge(uint64_t seq) override;
  uint64_t FirstUnresolved() const override;
  void SetAppendListener(std::function<void()> listener) override;

 private:
  struct Batch {
    uint64_t seq;
    std::string request;
  };

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // Signalled on acknowledgement and on Close.
  std::deque<Batch> batches_;   // Unacknowledged, in seq order.
  size_t bytes_ = 0;            // Their request bytes.
  uint64_t last_seq_ = 0;
  bool closed_ = false;
  std::function<void()> listener_;
};

}  // namespace vigie::collector
