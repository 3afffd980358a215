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
#include "store/store.h"

namespace vigie::logql {

// The lines of one block that pass the filter and fall in the time range, in time order (and,
// after AddContext, the lines around them). Views point into `block`, which the match list owns.
struct BlockMatches {
  size_t stream_index = 0;  // Into the `streams` passed to ScanBlocks.
  store::DecodedBlock block;
  std::vector<uint32_t> lines;  // Indexes into block, ascending.
  // Parallel to `lines` after AddContext: true for a line that is there as context only. Empty
  // when every line is a match.
  std::vector<bool> context;
  uint64_t bytes_scanned = 0;
};

// Fills out->lines with the lines of out->block in `range` that pass `filter`. When the filter
// has a required literal, the block's lines are searched for it with memmem in one pass and only
// the lines containing it are matched in full.
void FilterBlock(const LineFilter& filter, store::TimeRange range, BlockMatches* out);

// Adds to out->lines (filled by FilterBlock) the lines in `range` that may be context: the
// `before` lines preceding and the `after` lines following each match in the block, and the
// first `after` and last `before` lines of the block, which may be context of a match in the
// neighbouring block of the stream. Which of them are shown is the consumer's choice (it alone
// sees the stream's lines across blocks).
void AddContext(store::TimeRange range, uint32_t before, uint32_t after, BlockMatches* out);

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
  // Lines (in time order) of the same stream to offer before and after each match, flagged as
  // context (see AddContext). Nonzero values turn the n-gram block skipping off: a block without
  // a match may hold the context of its neighbour's.
  uint32_t context_before = 0, context_after = 0;
};

// One line handed out by ScanLines.
struct ScannedLine {
  size_t stream_index;
  int64_t ts;
  std::string_view line;  // Valid during the call only.
  // The line's place in its stream (blocks in stored order): consecutive lines of a stream have
  // consecutive positions, so a gap means lines were left out.
  uint64_t position;
  bool context;  // Offered as context (ScanOptions::context_*), not a match.
};
using LineFn = std::function<bool(const ScannedLine& line)>;

// As ScanBlocks, with the context lines and the positions that showing context needs.
absl::Status ScanLines(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                       const LineFilter& filter, const ScanOptions& options, const LineFn& emit,
                       ScanStats* stats);

// Emits (stream index, ts, line) for every matching line of `streams`, merged across blocks and
// streams in the requested order. `emit` returns false to stop early. Memory is bounded by the
// blocks that overlap in time plus a small read-ahead window. Fails on a corrupt block or when
// options.stop says so.
using EmitFn = std::function<bool(size_t stream_index, int64_t ts, std::string_view line)>;
absl::Status ScanBlocks(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options, const EmitFn& emit,
                        ScanStats* stats);

}  // namespace vigie::logql
