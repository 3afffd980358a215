// How many entries and line bytes log streams hold over a time window, cut into steps: what
// Loki's /index/stats and /index/volume(_range) answer. Exact, and cheap where it can be: a block
// that lies within one step is counted from the block index without being read; only the blocks
// that straddle a step boundary or an edge of the window are decoded to count their entries one
// by one.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "query/logql/block_scan.h"
#include "store/store.h"

namespace vigie::logql {

// [start, end) cut at the multiples of `step` since the epoch (Loki's alignment for
// volume_range): the first step begins at `start`, the last ends at `end`. step 0: one step.
struct VolumeSteps {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t step_ns = 0;

  size_t count() const;
  // The step holding `ts`, which must be in [start, end).
  size_t IndexOf(int64_t ts) const;
  // Where step `i` ends: the next multiple of step, or `end` for the last.
  int64_t EndOf(size_t i) const;
};

struct VolumeCount {
  uint64_t entries = 0;
  uint64_t bytes = 0;  // Line bytes, as stored (uncompressed).
};

// The entries of one stream in `steps`, step by step. Not thread-safe; reusable across streams.
class VolumeCounter {
 public:
  // `reader` is not owned and must outlive the counter.
  VolumeCounter(const store::LogReader* reader, VolumeSteps steps, StopCondition stop)
      : reader_(reader), steps_(steps), stop_(std::move(stop)) {}

  // Replaces `counts` (one per step) with the entries of `stream`. Fails with the stop
  // condition's status, or when a block cannot be read.
  absl::Status Count(store::StreamId stream, std::vector<VolumeCount>* counts);

  uint64_t blocks() const { return blocks_; }            // Blocks overlapping the window so far.
  uint64_t blocks_read() const { return blocks_read_; }  // Of those, decoded.

 private:
  const store::LogReader* reader_;
  VolumeSteps steps_;
  StopCondition stop_;
  store::DecodedBlock block_;
  uint64_t blocks_ = 0;
  uint64_t blocks_read_ = 0;
};

}  // namespace vigie::logql
