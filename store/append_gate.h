// Orders the commits of a stream so that an entry already stored (the same timestamp and line)
// is not stored again, at no cost to the common case: a batch whose entries are all newer than
// anything stored or being stored in its streams passes at once. A batch reaching back into a
// stream's stored time range waits for the commits in flight on that stream, and learns up to
// which time its entries must be checked against the store.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "store/keys.h"

namespace vigie::store {

class AppendGate {
 public:
  // The time span of one stream's entries in a batch.
  struct Span {
    StreamId stream = 0;
    int64_t min_ts = 0;
    int64_t max_ts = 0;
  };
  // The newest timestamp stored in `stream` (INT64_MIN when none), read from the store the first
  // time a stream is seen after open. Called without the gate's lock held.
  using NewestStored = std::function<absl::StatusOr<int64_t>(StreamId stream)>;

  explicit AppendGate(NewestStored newest_stored) : newest_stored_(std::move(newest_stored)) {}

  // Waits until the batch may commit and reserves its streams. Returns, per span, the time up to
  // which its entries may already be stored and must be checked (INT64_MIN: none may be). The
  // caller must call Leave(spans) once the batch is written or abandoned. On error (reading the
  // store failed) nothing is reserved.
  absl::StatusOr<std::vector<int64_t>> Enter(std::span<const Span> spans);
  void Leave(std::span<const Span> spans);

 private:
  struct StreamState {
    int64_t newest = INT64_MIN;  // Stored or being stored.
    int writers = 0;             // Batches between Enter and Leave.
  };

  NewestStored newest_stored_;
  std::mutex mu_;
  std::condition_variable left_;
  std::unordered_map<StreamId, StreamState> streams_;
};

}  // namespace vigie::store
