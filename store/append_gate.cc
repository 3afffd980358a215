#include "store/append_gate.h"

#include <algorithm>

namespace vigie::store {

absl::StatusOr<std::vector<int64_t>> AppendGate::Enter(std::span<const Span> spans) {
  std::unique_lock lock(mu_);
  std::vector<StreamId> unknown;
  for (const Span& span : spans) {
    if (!streams_.contains(span.stream)) unknown.push_back(span.stream);
  }
  if (!unknown.empty()) {
    // Reading the store can take a while: not under the lock. Another batch may load the same
    // stream meanwhile; the first value in wins, and both are the same.
    lock.unlock();
    std::vector<int64_t> newest;
    for (StreamId stream : unknown) {
      absl::StatusOr<int64_t> ts = newest_stored_(stream);
      if (!ts.ok()) return ts.status();
      newest.push_back(*ts);
    }
    lock.lock();
    for (size_t i = 0; i < unknown.size(); ++i) {
      StreamState& state = streams_[unknown[i]];
      state.newest = std::max(state.newest, newest[i]);
    }
  }
  // A span entirely newer than its stream passes; one reaching back waits until no other batch
  // is writing to that stream, so that what it reads from the store is complete.
  left_.wait(lock, [&] {
    return std::all_of(spans.begin(), spans.end(), [&](const Span& span) {
      const StreamState& state = streams_.at(span.stream);
      return span.min_ts > state.newest || state.writers == 0;
    });
  });
  std::vector<int64_t> check_up_to;
  for (const Span& span : spans) {
    StreamState& state = streams_.at(span.stream);
    check_up_to.push_back(span.min_ts > state.newest ? INT64_MIN : state.newest);
    state.newest = std::max(state.newest, span.max_ts);
    ++state.writers;
  }
  return check_up_to;
}

void AppendGate::Leave(std::span<const Span> spans) {
  {
    std::lock_guard lock(mu_);
    for (const Span& span : spans) --streams_.at(span.stream).writers;
  }
  left_.notify_all();
}

}  // namespace vigie::store
