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
#include "query/logql/pipeline.h"
#include "query/logql/result.h"
#include "query/logql/scan_cost.h"
#include "store/store.h"

namespace vigie::logql {

// For a metric query: what a line that passed the pipeline gives its range aggregation, worked
// out on the scan's worker threads. Returns false to leave the line out; otherwise sets *value
// and may change `labels` to those of the series the sample joins (the scan then interns them,
// StreamPipeline::Labels, so that lines of one series share one LabelSet and nothing is
// allocated per line). Must be thread-safe.
using SampleFn = std::function<bool(LabelsBuilder& labels, double* value)>;

// Which labels a line that passed a pipeline is handed out with.
enum class LineLabelsKind {
  // A metric query's: its series follow Prometheus's model, where an empty label is an absent
  // one (StreamPipeline::Labels).
  kSeries,
  // A log query's: they keep the labels a stage set to the empty value, as Loki shows them
  // (StreamPipeline::LineLabels).
  kLog,
  // None: the consumer reads only the lines, which keep their stream's labels, and no label set
  // is made.
  kStream,
};

// The lines of one block that pass the filter and fall in the time range, in time order (and,
// after AddContext, the lines around them). Views point into `block`, which the match list owns.
struct BlockMatches {
  size_t stream_index = 0;  // Into the `streams` passed to ScanLines.
  store::DecodedBlock block;
  std::vector<uint32_t> lines;  // Indexes into block, ascending.
  // Parallel to `lines` after AddContext: true for a line that is there as context only. Empty
  // when every line is a match.
  std::vector<bool> context;
  uint64_t bytes_scanned = 0;
  // With a pipeline (ScanOptions::pipeline): what it made of each line, parallel to `lines`:
  // the final labels (null for context lines, which keep their stream's) and, when the pipeline
  // rewrites lines, the new text. `pipeline` owns the label sets.
  std::unique_ptr<StreamPipeline> pipeline;
  bool pipeline_rewrites = false;
  LineLabelsKind labels_kind = LineLabelsKind::kSeries;
  std::vector<const LabelSet*> labels;  // Empty with LineLabelsKind::kStream.
  std::vector<std::string> texts;
  // With ScanOptions::sample: the value of each line, parallel to `lines`.
  const SampleFn* sample = nullptr;
  std::vector<double> values;
};

// What FilterBlock spent, added up over the blocks one thread filters. Lines and bytes are
// counted; time is measured per block on the monotonic clock (filter_ns, pipeline_ns), which the
// caller turns into CPU time (line_filter.cpu_ns, pipeline_cpu_ns) with its thread's CPU clock,
// a system call too slow for every phase of every block. The pipeline's time is split between
// its stages and the output in the proportions of one line in kSampleEvery, timed stage by stage
// (StreamPipeline::Process): a clock read per line would cost more than the phases it measures.
struct FilterCost {
  static constexpr uint32_t kSampleEvery = 256;
  PhaseCost line_filter;          // Its cpu_ns is the caller's.
  std::vector<PhaseCost> stages;  // Named, lines and bytes; their CPU is set by AddTo.
  PhaseCost output;               // Lines and bytes; its CPU is set by AddTo.
  int64_t pipeline_cpu_ns = 0;    // The stages and the output; the caller's.
  // Of the last FilterBlock call.
  int64_t filter_ns = 0, pipeline_ns = 0;
  std::vector<int64_t> sampled_stage_ns;
  int64_t sampled_ns = 0;     // Of the sampled lines, from the pipeline to the output.
  uint32_t until_sample = 0;  // Lines before the next sampled one: the first is.

  // Adds the phases from the line filter on to `cost`, the pipeline's time split.
  void AddTo(ScanCost* cost) const;
};

// Fills out->lines with the lines of out->block in `range` that pass `filter`, then the stages
// of out->pipeline when it is set (filling out->labels and out->texts). When the filter has a
// required literal, the block's lines are searched for it in one pass and only the
// lines containing it are matched in full; the pipeline runs only on lines that passed. Adds
// what it spent to `cost` when it is not null.
void FilterBlock(const LineFilter& filter, store::TimeRange range, BlockMatches* out,
                 FilterCost* cost = nullptr);

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
  // Where the CPU went; includes blocks read ahead of a consumer that stopped early.
  ScanCost cost;
};

// Adds a scan's figures to a query's.
void AddScanStats(const ScanStats& scan, QueryStats* stats);

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
  // The stages to run on the lines that pass the filter (LogSelector::pipeline), each block
  // through its own StreamPipeline; null or empty for none. `stream_labels`, parallel to
  // `streams`, must then be set, and `required` says what the consumer reads of the labels (the
  // parsers extract only that). Not owned; must outlive the scan.
  const Pipeline* pipeline = nullptr;
  const std::vector<LabelSet>* stream_labels = nullptr;
  LabelNeeds required;
  LineLabelsKind labels_kind = LineLabelsKind::kSeries;
  // For a metric query with a pipeline: each line's sample (see SampleFn); null for none. Not
  // owned; must outlive the scan.
  const SampleFn* sample = nullptr;
};

// One line handed out by ScanLines.
struct ScannedLine {
  size_t stream_index;
  int64_t ts;
  std::string_view line;  // Valid during the call only; rewritten by the pipeline, if any.
  // The line's labels after the pipeline; null when they are its stream's (no pipeline, or a
  // context line). Valid during the call only.
  const LabelSet* labels;
  // The line's place in its stream (blocks in stored order): consecutive lines of a stream have
  // consecutive positions, so a gap means lines were left out.
  uint64_t position;
  bool context;  // Offered as context (ScanOptions::context_*), not a match.
  double value;  // With ScanOptions::sample and labels set: the line's sample.
};
using LineFn = std::function<bool(const ScannedLine& line)>;

// Emits every matching line of `streams` (after the pipeline, when options.pipeline is set),
// with the context lines and the positions that showing context needs, merged across blocks
// and streams in the requested order. `emit` returns false to stop early. Memory is bounded by
// the blocks that overlap in time plus a small read-ahead window. Fails on a corrupt block or
// when options.stop says so.
absl::Status ScanLines(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                       const LineFilter& filter, const ScanOptions& options, const LineFn& emit,
                       ScanStats* stats);

// Receives the matches of one block (after the pipeline, without context) on the worker thread
// `worker` (0 <= worker < ScanOptions::threads) that filtered it. Calls on one worker are
// sequential; calls on different workers run at the same time.
using BlockFn = std::function<void(int worker, const BlockMatches& block)>;

// Hands every block's matches to `fn` on the worker threads, in no particular order: for a
// consumer that aggregates (counts per series) and has no use for time order, so that nothing
// passes through one thread line by line. options.forward and the context fields are ignored.
// Fails on a corrupt block or when options.stop says so (checked between blocks).
absl::Status ScanBlocks(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options, const BlockFn& fn,
                        ScanStats* stats);

}  // namespace vigie::logql
