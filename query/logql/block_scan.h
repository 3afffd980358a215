// Scanning stored blocks for the lines of a log selector, in time order, with the decoding and
// filtering of blocks spread over worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "query/logql/ast.h"
#include "store/log_store.h"

namespace vigie::logql {

// The lines of one block that pass the filter and fall in the time range, in time order. Views
// point into `block`, which the match list owns.
struct BlockMatches {
  size_t stream_index = 0;  // Into the `streams` passed to ScanBlocks.
  store::DecodedBlock block;
  std::vector<uint32_t> lines;  // Indexes into block, ascending.
  uint64_t bytes_scanned = 0;
};

// Fills out->lines with the lines of out->block in `range` that pass `filter`. When the filter
// has a required literal, the block's lines are searched for it with memmem in one pass and only
// the lines containing it are matched in full.
void FilterBlock(const LineFilter& filter, store::TimeRange range, BlockMatches* out);

struct ScanStats {
  uint64_t blocks = 0;
  uint64_t blocks_skipped = 0;  // Ruled out by their n-gram filter, never read.
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// When a query must stop before its end: at its deadline, or when asked to (the client went
// away, the server is stopping). Checked between blocks.
struct StopCondition {
  int64_t deadline_ns = 0;          // Monotonic clock; 0 for none.
  std::function<bool()> cancelled;  // Empty for never. May be called from the query's thread.
  // DeadlineExceeded or Cancelled, each saying what to do; OK to go on.
  absl::Status Check() const;
};

struct ScanOptions {
  store::TimeRange range;
  bool forward = false;  // Oldest first; newest first otherwise.
  int threads = 2;       // Workers decoding and filtering blocks.
  StopCondition stop;
};

// Emits (stream index, ts, line) for every matching line of `streams`, merged across blocks and
// streams in the requested order. `emit` returns false to stop early. Memory is bounded by the
// blocks that overlap in time plus a small read-ahead window. Fails on a corrupt block or when
// options.stop says so.
using EmitFn = std::function<bool(size_t stream_index, int64_t ts, std::string_view line)>;
absl::Status ScanBlocks(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options, const EmitFn& emit,
                        ScanStats* stats);

}  // namespace vigie::logql
