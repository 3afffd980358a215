// Store on one RocksDB database. Column families and keys: docs/storage-format.md.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "common/worker_pool.h"
#include "rocksdb/db.h"
#include "store/append_gate.h"
#include "store/series_format.h"
#include "store/series_head.h"
#include "store/series_index.h"
#include "store/series_wal.h"
#include "store/store.h"
#include "store/stream_registry.h"

namespace vigie::store {

// `what` failed with `s` (OK passes through).
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what);

// The indices of the entries of `sorted` (sorted by time) equal to an earlier one: same
// timestamp and line. Costs one comparison per entry when no two timestamps are equal.
std::vector<size_t> RepeatedEntries(std::span<const LogEntry> sorted);

class RocksStore final : public Store {
 public:
  // Column families, in the order of kFamilyNames (rocks_store.cc).
  enum Family {
    kMeta,
    kStreams,
    kPresence,
    kBlockIndex,
    kBlocks,
    kSeries,
    kSeriesPresence,
    kSeriesChunks,
    kSeriesFlushed,
    kEvents,  // The record spaces (store/records.h), in RecordSpace's order.
    kAlertState,
    kSilences,
    kOutbox,
    kFamilyCount
  };

  ~RocksStore() override;

  PreparedAppend Prepare(const AppendRequest& request) override;
  absl::StatusOr<AppendResult> Commit(PreparedAppend prepared) override;

  std::vector<StreamId> StreamsWhere(std::string_view name, const ValuePredicate& accept,
                                     TimeRange range) const override;
  std::optional<LabelSet> StreamLabels(StreamId stream) const override;
  std::vector<std::string> LabelNames(TimeRange range) const override;
  std::vector<std::string> LabelValues(std::string_view name, TimeRange range) const override;
  std::unique_ptr<LogReader> NewReader() const override;

  absl::StatusOr<int> DropPartitionsBefore(int64_t cutoff_ns) override;
  absl::StatusOr<int> CompactSmallBlocks() override;
  void StopMaintenance() override { maintenance_stopped_.store(true); }
  StoreStats Stats() const override;

  // SeriesQuerier (rocks_series.cc).
  std::vector<SeriesRef> SelectSeries(std::span<const SeriesMatcher> matchers, int64_t mint_ms,
                                      int64_t maxt_ms) const override;
  std::vector<std::string> SeriesLabelNames(std::span<const SeriesMatcher> matchers,
                                            int64_t mint_ms, int64_t maxt_ms) const override;
  std::vector<std::string> SeriesLabelValues(std::string_view name,
                                             std::span<const SeriesMatcher> matchers,
                                             int64_t mint_ms, int64_t maxt_ms) const override;
  std::unique_ptr<SeriesReader> NewSeriesReader() const override;

  // RecordStore (rocks_records.cc).
  absl::Status WriteRecords(std::span<const RecordWrite> writes) override;
  absl::StatusOr<std::optional<std::string>> GetRecord(RecordSpace space,
                                                       std::string_view key) const override;
  absl::Status ScanRecords(RecordSpace space, std::string_view from, std::string_view to,
                           const RecordVisitor& visit) const override;
  absl::Status DeleteRecordRange(RecordSpace space, std::string_view from,
                                 std::string_view to) override;

 private:
  friend class Store;

  explicit RocksStore(StoreOptions options)
      : options_(std::move(options)), encoders_(options_.encode_threads) {}
  absl::Status Load();
  // Commit without the checkpoint that may follow it.
  absl::StatusOr<AppendResult> CommitOnce(PreparedAppend prepared);
  uint32_t PartitionOf(int64_t ts) const { return static_cast<uint32_t>(ts / partition_ns_); }
  uint64_t NextBlockSeq() { return (epoch_ << 32) | next_block_.fetch_add(1); }
  // Blocks cut but not encoded yet, beside the entries each will hold.
  struct PlannedBlocks {
    std::vector<PreparedAppend::Block> blocks;
    std::vector<std::span<const LogEntry>> entries;  // Sorted, one partition.
  };
  // Cuts `entries` (sorted, one partition) into blocks of about target_block_bytes.
  void PlanBlocks(uint32_t partition, size_t stream_index, StreamId stream,
                  std::span<const LogEntry> entries, PlannedBlocks* out);
  // The same for the entries of one stream (sorted), split by partition first.
  void PlanStream(size_t stream_index, StreamId stream, std::span<const LogEntry> sorted,
                  PlannedBlocks* out);
  // Encodes the blocks and their n-gram filters, on the encoder threads.
  std::vector<PreparedAppend::Block> EncodeBlocks(PlannedBlocks planned);
  void PutBlocks(rocksdb::WriteBatch* batch, const std::vector<PreparedAppend::Block>& blocks);
  // After `written` is durable: remembers its small blocks for CompactSmallBlocks.
  void NoteSmallBlocks(std::vector<PreparedAppend::Block>* written);

  // Duplicate entries (rocks_log_dedupe.cc). The time span of each stream of `prepared`.
  static std::vector<AppendGate::Span> SpansOf(const PreparedAppend& prepared);
  // The newest timestamp stored in `stream`, from the block index of its newest partition.
  absl::StatusOr<int64_t> NewestStored(StreamId stream) const;
  // Removes from `prepared` the entries of stream i at or before check_up_to[i] that the store
  // already holds, re-encoding the blocks that lose some. Returns how many were removed.
  absl::StatusOr<uint64_t> DropStored(PreparedAppend* prepared,
                                      std::span<const AppendGate::Span> spans,
                                      std::span<const int64_t> check_up_to);

  // Series (rocks_series.cc). Lock order: commit_mu_, then a shard's mu, then index_mu_, then
  // the series log's own lock.
  class SeriesSamplesReader;
  // Per series, the head sequence below which its log records are all in series_chunks.
  using FlushMarks = std::unordered_map<SeriesId, uint64_t>;
  // Loads the series and their partitions, upgrades a series_head family, replays the log.
  absl::Status LoadSeries();
  // A new series in `shard` and the index (not in RocksDB). Needs the shard's lock.
  MemSeries* AddSeries(SeriesShard& shard, SeriesId id, std::string_view labels);
  // Applies `series` to the heads under the shard locks: enqueues one series log record per
  // shard (every sample accepted, the series created, `check`), sets *log_ticket to the last
  // one's ticket (0 when none), and adds to `batch` the new series, partitions and the chunks
  // cut; *tokens receives the (shard, seq) whose pending chunks ClearPending must drop once
  // `batch` is written.
  absl::Status CommitSeries(const PreparedAppend& prepared, const CommitCheck& check,
                            rocksdb::WriteBatch* batch, SeriesAppendResult* result,
                            std::vector<std::pair<uint32_t, uint64_t>>* tokens,
                            uint64_t* log_ticket);
  void ClearPending(std::span<const std::pair<uint32_t, uint64_t>> tokens);

  // The series log (rocks_series_log.cc).
  // Opens the log and rebuilds the heads from its checkpoint and segments.
  absl::Status ReplaySeriesLog(const FlushMarks& flushed);
  // Applies the samples of a log record (or of a legacy series_head record) of head sequence
  // `seq` in `shard`, skipping the series whose samples at `seq` are in chunks already.
  absl::Status ReplayParts(SeriesShard& shard, uint64_t seq, std::string_view parts,
                           const FlushMarks& flushed, rocksdb::WriteBatch* batch);
  // Whether the commit that wrote a samples record reached RocksDB (`applied` caches agents').
  bool Committed(const CommitCheck& check, std::unordered_map<std::string, uint64_t>* applied);
  // A database of format version 3 or before: replays its series_head family, cuts the heads
  // into chunks and drops the family.
  absl::Status UpgradeHeadLog(const FlushMarks& flushed);
  // Cuts every head into chunks in one synced write (a clean stop, an upgrade).
  absl::Status CutAllHeads();
  // After a commit: writes a checkpoint once the log has grown by checkpoint_bytes since the
  // last one (one at a time), and lets the segments before it go.
  void MaybeCheckpoint();
  absl::Status Checkpoint();

  // The work of CommitSeries for one sample of `s`, whose head is updated; `kept` collects the
  // samples of this commit accepted (the log record's part for `s`).
  void AppendSample(SeriesShard& shard, MemSeries& s, const Sample& sample, uint64_t seq,
                    rocksdb::WriteBatch* batch, SeriesAppendResult* result,
                    std::vector<Sample>* kept);
  // Cuts the head of `s` into chunks (put in `batch`, pending until written) and empties it.
  void FlushHead(SeriesShard& shard, MemSeries& s, uint64_t seq, rocksdb::WriteBatch* batch);
  // Every kSweepEveryMs of sample time, closes the heads idle past their window and the
  // out-of-order window, in every shard.
  void MaybeSweep(rocksdb::WriteBatch* batch, std::vector<std::pair<uint32_t, uint64_t>>* tokens);
  void NotePartition(MemSeries& s, uint32_t partition, rocksdb::WriteBatch* batch);
  // Sets s.newest_ts from the chunks when not known yet.
  void LearnNewest(MemSeries& s) const;
  // The stored value at `ts_ms` (head, pending or chunks), if any.
  std::optional<uint64_t> ValueAt(const SeriesShard& shard, const MemSeries& s,
                                  int64_t ts_ms) const;
  // Appends the samples of `id` in [mint, maxt] stored in chunks to *out. `cursors`, when
  // given, are iterators kept across calls for ascending ids (rocks_series_query.cc).
  class ChunkCursors;
  absl::Status ReadChunks(SeriesId id, uint32_t first_partition, uint32_t last_partition,
                          int64_t mint_ms, int64_t maxt_ms, std::vector<Sample>* out,
                          ChunkCursors* cursors = nullptr) const;
  uint32_t SeriesPartitionOf(int64_t ts_ms) const;
  int64_t PartitionStartMs(uint32_t partition) const;
  // The chunk window of ts_ms: its 2-hour window cut to its partition.
  int64_t WindowStart(int64_t ts_ms) const;
  int64_t WindowEnd(int64_t ts_ms) const;
  // Partitions with series data; drops the ones below `limit`, the series left without data.
  std::vector<uint32_t> SeriesPartitions() const;
  void DropSeriesBelow(uint32_t limit, rocksdb::WriteBatch* batch);
  void SeriesStats(StoreStats* stats) const;
  // Whether a series of `refs` has data in partitions [from, to]. Needs index_mu_.
  bool AnyWithDataIn(std::span<const uint32_t> refs, uint32_t from, uint32_t to) const;

  StoreOptions options_;
  int64_t partition_ns_ = 0;
  int64_t partition_ms_ = 1;
  uint64_t epoch_ = 0;
  std::atomic<uint32_t> next_block_{0};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  // The series_head family of a database of format version 3 or before, until upgraded.
  rocksdb::ColumnFamilyHandle* legacy_head_ = nullptr;
  std::unique_ptr<SeriesWal> wal_;
  std::atomic<bool> checkpointing_{false};
  std::atomic<uint32_t> next_marker_{0};  // With epoch_: commit markers (series_format.h).
  StreamRegistry registry_;
  WorkerPool encoders_;

  AppendGate gate_{[this](StreamId stream) { return NewestStored(stream); }};

  std::mutex agents_mu_;
  struct AgentState {
    std::mutex mu;
    bool loaded = false;
    uint64_t applied_seq = 0;
  };
  std::unordered_map<std::string, std::unique_ptr<AgentState>> agents_;
  AgentState& Agent(const std::string& agent_id);

  // Blocks smaller than a quarter of the target, by (partition, stream), for CompactSmallBlocks.
  std::mutex small_mu_;
  std::map<std::pair<uint32_t, StreamId>, std::vector<BlockInfo>> small_blocks_;
  std::mutex compact_mu_;  // One compaction or retention pass at a time.
  // Set by StopMaintenance; also cancels the manual RocksDB compaction of a retention pass.
  std::atomic<bool> maintenance_stopped_{false};
  // Commits hold it shared; retention holds it alone while it decides which streams are left
  // without data and deletes them, so that it cannot delete a stream a commit is writing to.
  std::shared_mutex commit_mu_;

  std::unique_ptr<SeriesShard[]> shards_{new SeriesShard[kSeriesShards]};
  mutable std::shared_mutex index_mu_;
  SeriesIndex index_;               // Guarded by index_mu_.
  std::vector<MemSeries*> by_ref_;  // Guarded by index_mu_; null for removed series.
  mutable std::mutex partitions_mu_;
  std::set<uint32_t> series_partitions_;         // Guarded by partitions_mu_.
  std::atomic<uint32_t> min_live_partition_{0};  // Below it, retention dropped the data.
  // Counts the commits whose written chunks left the shards' pending lists (SeriesShard::
  // cleared_epoch): lets a reader that keeps RocksDB iterators across series tell when one is
  // too old for the head it just copied (rocks_series_query.cc, ChunkCursors).
  std::atomic<uint64_t> chunks_cleared_{0};
  // The newest sample time accepted, and when the heads are next swept for idle series.
  std::atomic<int64_t> data_now_{std::numeric_limits<int64_t>::min()};
  std::atomic<int64_t> next_sweep_{std::numeric_limits<int64_t>::min()};
};

}  // namespace vigie::store
