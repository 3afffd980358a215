// The narrow interfaces through which query/, alerts/ and server/ reach stored logs (and, with
// store/series.h, metric series), and the RocksDB-backed store that implements them. store/
// knows nothing of gRPC, regexes or HTTP: label selection takes a predicate, line filtering
// happens above, in query/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "store/block.h"
#include "store/keys.h"
#include "store/records.h"
#include "store/series.h"

namespace vigie::store {

// Half-open [start_ns, end_ns).
struct TimeRange {
  int64_t start_ns = 0;
  int64_t end_ns = INT64_MAX;
  bool Overlaps(int64_t min_ts, int64_t max_ts) const {
    return max_ts >= start_ns && min_ts < end_ns;
  }
};

struct StreamEntries {
  LabelSet labels;
  std::vector<LogEntry> entries;
};

// One batch to store atomically: log entries and metric samples, with the agent's seq, in one
// RocksDB write. Streams, series, entries and samples must already be validated (limits, label
// syntax): the store only refuses what it alone can detect (a hash collision; for samples, the
// out-of-order window and conflicting duplicates, counted in AppendResult::series).
struct AppendRequest {
  std::string agent_id;  // With seq > 0: exactly-once across resends.
  uint64_t seq = 0;
  std::vector<StreamEntries> streams;
  SeriesBatch series;
  // Not 0: the request holds the agent's batches first_seq..seq, merged (see Commit).
  uint64_t first_seq = 0;
};

struct AppendResult {
  bool duplicate = false;   // The agent's seq had already been applied; nothing was written.
  uint64_t entries = 0;     // Entries accepted: written, or already stored (see duplicates).
  uint64_t duplicates = 0;  // Of those, entries not written: their stream already held the same
                            // (timestamp, line), or the batch held it twice.
  uint64_t bytes = 0;       // Line bytes written.
  uint64_t rejected = 0;    // Entries refused (stream id collision).
  std::string reason;       // Why, when rejected > 0.
  SeriesAppendResult series;
};

// A batch encoded into blocks by Appender::Prepare, waiting for its Commit. It refers to
// nothing in the request it came from.
struct PreparedAppend {
  struct Stream {
    StreamId id = 0;
    LabelSet labels;
  };
  struct Block {
    size_t stream = 0;  // Index in `streams`.
    BlockInfo info;
    std::string encoded;
  };
  std::string agent_id;
  uint64_t seq = 0;
  std::vector<Stream> streams;
  std::vector<Block> blocks;
  uint64_t repeats = 0;  // Entries left out because the same stream held them earlier in the batch.
  uint64_t first_seq = 0;
  // The request's metric samples, sorted per series and ready for the head (Commit decides
  // which are out of order or conflicting, against the head at that moment).
  SeriesBatch series;
};

class Appender {
 public:
  virtual ~Appender() = default;
  // Encodes `request` into blocks, the CPU-heavy part of an append, and stores nothing.
  // Thread-safe and independent of other appends: an agent's next batch can be prepared while
  // its previous one commits.
  virtual PreparedAppend Prepare(const AppendRequest& request) = 0;
  // Stores `batch` durably (fsync'ed WAL) before returning OK; all of it or none of it. An
  // agent's batches must be committed in seq order: a seq at or below the last one committed is
  // a duplicate and writes nothing. An entry whose stream already holds the same timestamp and
  // line is not stored again (Loki's rule; docs/storage-format.md, "Duplicate entries").
  // a duplicate and writes nothing. A merged batch (first_seq..seq) of which only a part is
  // committed (first_seq <= last committed < seq: a newer stream of the agent resent some of its
  // batches one by one) is Aborted and writes nothing: storing it would store that part twice.
  // Thread-safe; batches of different agents proceed concurrently.
  virtual absl::StatusOr<AppendResult> Commit(PreparedAppend batch) = 0;

  absl::StatusOr<AppendResult> Append(const AppendRequest& request) {
    return Commit(Prepare(request));
  }
};

// What reading blocks cost, for a query's statistics: the time fetching the stored bytes and
// decoding them, on the monotonic clock (a caller that measures its thread's CPU time per block
// converts them), and their sizes.
struct ReadCost {
  int64_t fetch_ns = 0;
  int64_t decode_ns = 0;
  uint64_t stored_bytes = 0;   // The block as stored (zstd frame and header).
  uint64_t decoded_bytes = 0;  // Its decompressed payload (timestamps, lengths and lines).
};

// A consistent point-in-time view of stored blocks, for one query. Blocks() and ReadBlock() may
// be called from several threads at once.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // The blocks of `stream` overlapping `range`, sorted by (partition, min_ts).
  virtual std::vector<BlockInfo> Blocks(StreamId stream, TimeRange range) const = 0;
  // NotFound when the block is not in this view (deleted before it was taken). Adds what the
  // read cost to `*cost` when it is not null (three clock reads).
  virtual absl::Status ReadBlock(const BlockKey& key, DecodedBlock* out,
                                 ReadCost* cost = nullptr) const = 0;
};

using ValuePredicate = std::function<bool(std::string_view value)>;

class LogQuerier {
 public:
  virtual ~LogQuerier() = default;
  // Streams with data in a partition overlapping `range` whose label `name` is present and has
  // a value accepted by `accept`. Uses the label index: streams without the label are not touched.
  virtual std::vector<StreamId> StreamsWhere(std::string_view name, const ValuePredicate& accept,
                                             TimeRange range) const = 0;
  virtual std::optional<LabelSet> StreamLabels(StreamId stream) const = 0;
  // Sorted, distinct label names / values of the streams with data overlapping `range`.
  virtual std::vector<std::string> LabelNames(TimeRange range) const = 0;
  virtual std::vector<std::string> LabelValues(std::string_view name, TimeRange range) const = 0;
  virtual std::unique_ptr<LogReader> NewReader() const = 0;
};

struct StoreOptions {
  std::string path = "vigie-data";
  // Width of a time partition; fixed when the database is created (later values are ignored).
  int64_t partition_ns = 86400LL * 1'000'000'000;
  // Blocks are cut at this many raw line bytes; smaller ones are merged in the background.
  size_t target_block_bytes = 1 << 20;
  int zstd_level = kDefaultBlockLevel;
  // Threads that encode a batch's blocks beside the appending thread (0: the appender alone).
  // One fewer than the cores lets one sender's batch use every core.
  size_t encode_threads = std::max(1u, std::thread::hardware_concurrency()) - 1;
  // Samples older than their series' newest by at most this much are still accepted (out of
  // order); older ones are refused and counted.
  int64_t out_of_order_window_ms = 10 * 60 * 1000;
  // The series log (docs/storage-format.md, "The series log"): in <path>/series_wal, a segment
  // file started every series_log_segment_bytes, a checkpoint written (and the segments before
  // it removed) once series_log_checkpoint_bytes were logged since the last one. `series_log_fs`
  // (tests inject faults through it) defaults to the real files.
  uint64_t series_log_segment_bytes = 64 << 20;
  uint64_t series_log_checkpoint_bytes = 128 << 20;
  class WalFs* series_log_fs = nullptr;
};

// Counters for /metrics.
struct StoreStats {
  uint64_t streams = 0;
  uint64_t partitions = 0;
  uint64_t disk_bytes = 0;      // SST and blob files, all column families.
  uint64_t memtable_bytes = 0;  // Written (and in the WAL) but not yet flushed to files.
  uint64_t series = 0;          // Metric series known (all partitions).
  uint64_t head_series = 0;     // Of those, with an open chunk in memory.
  uint64_t head_bytes = 0;      // Memory held by the series index and open chunks.
};

class Store : public Appender, public LogQuerier, public SeriesQuerier, public RecordStore {
 public:
  // Opens or creates the database at options.path. Fails with a message naming the path and what
  // to do when it is locked by another process or of an unknown format version.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Deletes every partition that ends before `cutoff_ns`, and the streams and series left with
  // no data.
  // Returns the number of partitions dropped.
  virtual absl::StatusOr<int> DropPartitionsBefore(int64_t cutoff_ns) = 0;
  // Merges runs of small blocks of the same stream and partition into blocks of about
  // target_block_bytes. Returns the number of blocks merged away.
  virtual absl::StatusOr<int> CompactSmallBlocks() = 0;
  // Makes CompactSmallBlocks and DropPartitionsBefore, running on other threads or called later,
  // return at their next block (with what they did so far), so that a stopping server does not
  // wait for maintenance. What is left undone leaves the data whole: blocks not merged are read
  // as they are, and a partition dropped is gone even if its space is reclaimed later by
  // RocksDB's own compactions. Thread-safe; cannot be undone.
  virtual void StopMaintenance() = 0;
  virtual StoreStats Stats() const = 0;
};

}  // namespace vigie::store
