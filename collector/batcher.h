// Groups the entries of every input into PushRequest batches, closes a batch when it reaches
// max_bytes, max_samples or max_age, numbers it (AgentState::NextSeq) and appends it to the
// spool, from which the shipper sends it.
//
// Metric units (MetricSink: a StatsD flush, a scrape) join the same batches, each whole in one
// batch: a unit that does not fit in the open batch closes it first, and a unit larger than a
// batch gets one of its own. A unit of more than max_unit_samples (vigied's
// max_samples_per_request) could never be stored whole: it is refused, logged and counted
// (vigie_collector_metric_units_refused_total), never half-sent. Both bounds follow the limit
// vigied names, when it is lower (FollowServerLimit).
//
// Back-pressure: Add() blocks while `max_pending` closed batches are waiting to be written to
// the spool, so a slow disk slows the inputs down instead of growing memory. And an entry with
// a cursor (a file's: it can be read again later) waits while the spool and the batches on
// their way to it hold `hold_back_bytes`: while vigied is away, files stay where they are
// rather than filling the spool until its oldest batches must be dropped. Entries without a
// cursor (syslog: they cannot wait) always go in.
//
// Thread safety: Add, AddCursor and Flush may be called from any thread; Start and Stop from
// the owner only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "collector/cursor.h"
#include "collector/entry_sink.h"
#include "collector/metric_sink.h"
#include "collector/metrics.h"
#include "collector/push_builder.h"
#include "collector/spool.h"
#include "collector/state.h"

namespace vigie::collector {

class Batcher : public EntrySink, public MetricSink {
 public:
  struct Options {
    size_t max_bytes = 1 << 20;
    // Samples of one batch; a batch closes once it holds them (so merged requests stay under
    // vigied's limit in the common case). A bigger unit gets a batch of its own.
    size_t max_samples = 100'000;
    size_t max_unit_samples = 1'000'000;  // vigied's default --max-samples-per-request.
    std::chrono::nanoseconds max_age = std::chrono::seconds(1);
    size_t max_pending = 4;
    uint64_t hold_back_bytes = 0;  // 0: files never wait for the spool.
  };

  // `state`, `spool` and `metrics` must outlive the batcher.
  Batcher(Options options, AgentState* state, Spool* spool, Metrics* metrics);
  ~Batcher() override;

  void Start();

  // EntrySink. A cursor is recorded with the batch and checkpointed once the batch is resolved.
  void Add(const StreamRef& stream, int64_t ts_ns, std::string_view line,
           const FileCursor* cursor) override;
  void AddCursor(const FileCursor& cursor) override;
  // MetricSink. Blocks while max_pending batches wait for the spool; never held back for the
  // spool's fill (a flush cannot wait: the next one is being aggregated).
  void AddMetrics(MetricUnit unit) override;

  // vigied stores at most `max_samples_per_request` samples per request (0: it names no
  // limit): from now on, units and batches hold no more than that, nor than max_unit_samples
  // and max_samples. Batches already closed stay as they are. Thread-safe.
  void FollowServerLimit(uint64_t max_samples_per_request);

  // Closes the open batch and waits until every batch closed so far is in the spool.
  void Flush();
  // Stops accepting entries, before the inputs are stopped: Add and AddCursor return at once
  // (also those waiting for room), dropping what they are given. Nothing is lost that was
  // acknowledged to anyone: a file's dropped lines never reach the spool, nor do their cursors,
  // so they are read again at the next start.
  void Close();
  // Flushes, then stops the thread.
  void Stop();

 private:
  struct OpenBatch {
    PushBuilder builder;
    std::map<FileKey, FileCursor> cursors;
    std::chrono::steady_clock::time_point opened;
    bool empty() const { return builder.empty() && cursors.empty(); }
  };

  // Starts the age clock of the open batch if it is empty.
  void OpenLocked();
  void NoteCursorLocked(const FileCursor& cursor);
  void CloseLocked();
  void WaitForSpaceLocked(std::unique_lock<std::mutex>& lock);
  // Waits while the spool and what is on its way there hold hold_back_bytes.
  void HoldBackLocked(std::unique_lock<std::mutex>& lock, size_t more);
  void Run();
  // Numbers and spools `batches`, retrying on errors until written or stopping.
  void Write(std::deque<OpenBatch> batches);

  const Options options_;
  // options_'s, or vigied's limit when lower.
  std::atomic<size_t> max_unit_samples_, max_samples_;
  AgentState* const state_;
  Spool* const spool_;
  Metrics* const metrics_;
  std::mutex mu_;
  std::condition_variable work_cv_;   // Wakes Run().
  std::condition_variable space_cv_;  // Wakes producers and Flush().
  OpenBatch open_;
  std::deque<OpenBatch> closed_;
  size_t pending_ = 0;          // Closed and not yet in the spool (queued or being written).
  uint64_t pending_bytes_ = 0;  // Their size.
  uint64_t closed_count_ = 0, written_count_ = 0;
  bool stopping_ = false;
  bool closed_for_input_ = false;
  std::thread thread_;
};

}  // namespace vigie::collector
