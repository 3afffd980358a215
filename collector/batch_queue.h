// What the shipper sends from: numbered, serialized PushRequest batches that stay queued until
// vigied has acknowledged them. The collector's Spool (durable, on disk) and vigie push's
// MemoryQueue (bounded, in memory) implement it, so that both use one window-and-resend
// implementation (shipper.h).
//
// Thread safety: every method may be called from any thread, concurrently with the owner's
// appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vigie::collector {

class BatchQueue {
 public:
  virtual ~BatchQueue() = default;

  struct Outgoing {
    uint64_t seq = 0;    // Of the last batch in `request`.
    size_t batches = 0;  // How many batches `request` holds.
    std::string request;
  };
  // The first appended, unacknowledged batch with seq > `after`; nullopt when there is none.
  // With `max_bytes` above that batch's size, the batches that follow are appended while the
  // total stays within `max_bytes`: serialized PushRequests concatenated parse as one request
  // holding all their streams, with the last one's seq (protobuf appends repeated fields and
  // keeps the last scalar), and first_seq set to the first one's (AppendFirstSeq), so that
  // vigied refuses the request if it already holds a part of it (sent alone on a newer stream
  // while this request was on its way).
  virtual std::optional<Outgoing> Next(uint64_t after, size_t max_bytes) = 0;
  // Seq of the last batch appended (for the spool, also those found at open).
  virtual uint64_t LastSeq() const = 0;
  // vigied acknowledged every batch up to `seq`; returns how many batches that resolved.
  virtual size_t Acknowledge(uint64_t seq) = 0;
  // Seq of the oldest unacknowledged batch, or 0 when every batch is acknowledged.
  virtual uint64_t FirstUnresolved() const = 0;
  // `listener` is called (outside any lock of the queue) after batches were appended; nullptr
  // removes it.
  virtual void SetAppendListener(std::function<void()> listener) = 0;
};

}  // namespace vigie::collector
