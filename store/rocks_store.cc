#include "store/rocks_store.h"

#include "rocksdb/cache.h"
#include "rocksdb/table.h"
#include "store/ngram_filter.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "common/varint.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace vigie::store {

namespace {

// Version 2 added the series column families, version 3 the record families (events, alert
// state, silences, outbox), version 4 moved the head log out of the series_head family into the
// series log (series_wal/), version 5 the n-gram filter's sections (store/ngram_filter.h; the
// version 4 filters are still read, so nothing is rewritten), version 6 the hash in log blocks
// (store/block.h; version 1 blocks are still read). An older database is upgraded in place at
// open: RocksDB creates the missing families, series_head is replayed and dropped
// (rocks_series_log.cc), and the version is rewritten.
bool Upgradable(std::string_view version) {
  return version == "1" || version == "2" || version == "3" || version == "4" || version == "5";
}
constexpr std::string_view kLegacyHeadFamily = "series_head";
const char* const kFamilyNames[] = {
    "default",        "streams", "stream_partitions", "block_index",
    "log_blocks",     "series",  "series_partitions", "series_chunks",
    "series_flushed", "events",  "alert_state",       "silences",
    "outbox"};

rocksdb::ColumnFamilyOptions FamilyOptions(int family) {
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kLZ4Compression;
  switch (family) {
    case RocksStore::kSeriesChunks:
      // Chunks are about 1.5 bytes a sample: 16 MiB holds a few million samples' worth (4 MiB
      // saved 9 MiB at 100,000 series but cost 14% more CPU in flushes and compactions).
      cf.write_buffer_size = 16 << 20;
      break;
    case RocksStore::kSeries:
    case RocksStore::kSeriesPresence:
    case RocksStore::kSeriesFlushed:
      cf.write_buffer_size = 4 << 20;
      break;
    default:
      break;
  }
  if (family == RocksStore::kSeriesChunks) {
    cf.compression = rocksdb::kZSTD;
    // A range query over many series reads all their chunks, every time: RocksDB's default 8
    // MiB cache would make each read a file read and a zstd decompression. Filled by queries
    // only (docs/operations.md, "Memory").
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(256 << 20);
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  if (family == RocksStore::kBlocks) {
    // Blocks are zstd-compressed already: keep them out of the LSM tree (BlobDB) so compactions
    // rewrite only the small keys, and do not compress them twice.
    cf.compression = rocksdb::kNoCompression;
    cf.enable_blob_files = true;
    cf.min_blob_size = 0;
    cf.blob_compression_type = rocksdb::kNoCompression;
    cf.enable_blob_garbage_collection = true;
    cf.write_buffer_size = 128 << 20;
  }
  return cf;
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(StrCat(what, ": ", s.ToString()));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::unique_ptr<RocksStore> store(new RocksStore(options));
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int f = 0; f < RocksStore::kFamilyCount; ++f) {
    descriptors.emplace_back(kFamilyNames[f], FamilyOptions(f));
  }
  // A database of format version 3 or before has the series_head family, to replay once.
  std::vector<std::string> existing;
  bool legacy_head =
      rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok() &&
      std::find(existing.begin(), existing.end(), kLegacyHeadFamily) != existing.end();
  if (legacy_head) descriptors.emplace_back(std::string(kLegacyHeadFamily), FamilyOptions(-1));
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &store->families_, &db);
  if (s.ok() && legacy_head) {
    store->legacy_head_ = store->families_.back();
    store->families_.pop_back();
  }
  if (!s.ok()) {
    std::string hint = s.IsIOError() && s.ToString().find("lock") != std::string::npos
                           ? " (is another vigied using this directory? stop it or pick another "
                             "--data-dir)"
                           : "";
    return absl::FailedPreconditionError(
        StrCat("cannot open the data directory ", options.path, ": ", s.ToString(), hint));
  }
  store->db_.reset(db);
  if (absl::Status st = store->Load(); !st.ok()) return st;
  return store;
}

RocksStore::~RocksStore() {
  if (!db_) return;
  // A clean stop cuts the heads into chunks: the series log is then empty, and the next start
  // replays nothing.
  if (wal_ && CutAllHeads().ok()) wal_->Clear().IgnoreError();
  // Flushing on a clean stop empties RocksDB's WAL too: the disk holds only table and blob files.
  rocksdb::FlushOptions flush;
  db_->Flush(flush, families_);
  for (auto* h : families_) db_->DestroyColumnFamilyHandle(h);
  if (legacy_head_) db_->DestroyColumnFamilyHandle(legacy_head_);
  db_->Close();
}

absl::Status RocksStore::Load() {
  rocksdb::ColumnFamilyHandle* meta = families_[kMeta];
  std::string value;
  rocksdb::WriteBatch batch;
  rocksdb::Status s = db_->Get({}, meta, kFormatVersionKey, &value);
  if (s.IsNotFound()) {
    batch.Put(meta, kFormatVersionKey, kFormatVersion);
    batch.Put(meta, kPartitionNanosKey, std::to_string(options_.partition_ns));
    partition_ns_ = options_.partition_ns;
  } else if (!s.ok()) {
    return FromRocks(s, "reading the format version");
  } else if (value != kFormatVersion && !Upgradable(value)) {
    return absl::FailedPreconditionError(StrCat("data directory ", options_.path,
                                                " has storage format version ", value,
                                                "; this vigied reads version ", kFormatVersion,
                                                ": use a matching vigied or a new --data-dir"));
  } else {
    if (auto st = FromRocks(db_->Get({}, meta, kPartitionNanosKey, &value), "reading partition_ns");
        !st.ok()) {
      return st;
    }
    if (!ParseNumber(value, &partition_ns_) || partition_ns_ <= 0) {
      return absl::DataLossError("corrupt partition_ns in the metadata");
    }
    batch.Put(meta, kFormatVersionKey, kFormatVersion);
  }
  partition_ms_ = std::max<int64_t>(1, partition_ns_ / 1'000'000);
  // A new epoch per open makes block sequence numbers unique without persisting a counter on
  // every write.
  s = db_->Get({}, meta, kNextBlockSeqKey, &value);
  if (s.ok() && value.size() == 8) epoch_ = GetBigEndian64(value.data());
  ++epoch_;
  std::string epoch_bytes;
  PutBigEndian64(&epoch_bytes, epoch_);
  batch.Put(meta, kNextBlockSeqKey, epoch_bytes);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto st = FromRocks(db_->Write(sync, &batch), "writing metadata"); !st.ok()) return st;

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, families_[kStreams]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto labels = LabelSet::Decode(it->value().ToStringView());
    if (!labels.ok()) return labels.status();
    registry_.AddStream(DecodeStreamKey(it->key().ToStringView()), *std::move(labels));
  }
  it.reset(db_->NewIterator({}, families_[kPresence]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k = it->key().ToStringView();
    if (k.size() == 12)
      registry_.AddPresence(GetBigEndian32(k.data()), GetBigEndian64(k.data() + 4));
  }
  if (auto st = FromRocks(it->status(), "loading the stream registry"); !st.ok()) return st;
  return LoadSeries();
}

RocksStore::AgentState& RocksStore::Agent(const std::string& agent_id) {
  std::lock_guard lock(agents_mu_);
  auto& state = agents_[agent_id];
  if (!state) state = std::make_unique<AgentState>();
  return *state;
}

void RocksStore::PlanBlocks(uint32_t partition, size_t stream_index, StreamId stream,
                            std::span<const LogEntry> entries, PlannedBlocks* out) {
  size_t begin = 0;
  while (begin < entries.size()) {
    size_t end = begin, bytes = 0;
    while (end < entries.size() && (end == begin || bytes < options_.target_block_bytes)) {
      bytes += entries[end++].line.size();
    }
    std::span<const LogEntry> chunk = entries.subspan(begin, end - begin);
    PreparedAppend::Block& block = out->blocks.emplace_back();
    block.stream = stream_index;
    block.info.key = {partition, stream, chunk.front().ts_ns, chunk.back().ts_ns, NextBlockSeq()};
    block.info.entries = static_cast<uint32_t>(chunk.size());
    block.info.raw_bytes = static_cast<uint32_t>(bytes);
    out->entries.push_back(chunk);
    begin = end;
  }
}

void RocksStore::PlanStream(size_t stream_index, StreamId stream, std::span<const LogEntry> sorted,
                            PlannedBlocks* out) {
  size_t begin = 0;
  while (begin < sorted.size()) {
    uint32_t partition = PartitionOf(sorted[begin].ts_ns);
    size_t end = begin;
    while (end < sorted.size() && PartitionOf(sorted[end].ts_ns) == partition) ++end;
    PlanBlocks(partition, stream_index, stream, sorted.subspan(begin, end - begin), out);
    begin = end;
  }
}

std::vector<PreparedAppend::Block> RocksStore::EncodeBlocks(PlannedBlocks planned) {
  encoders_.ParallelFor(planned.blocks.size(), [this, &planned](size_t i) {
    PreparedAppend::Block& block = planned.blocks[i];
    NgramFilterBuilder filter;
    for (const LogEntry& e : planned.entries[i]) filter.AddLine(e.line);
    block.info.ngram_filter = filter.Finish();
    block.encoded = EncodeBlock(planned.entries[i], options_.zstd_level);
  });
  return std::move(planned.blocks);
}

void RocksStore::PutBlocks(rocksdb::WriteBatch* batch,
                           const std::vector<PreparedAppend::Block>& blocks) {
  for (const PreparedAppend::Block& block : blocks) {
    std::string key = EncodeBlockKey(block.info.key);
    batch->Put(families_[kBlocks], key, block.encoded);
    batch->Put(families_[kBlockIndex], key, EncodeBlockInfoValue(block.info));
  }
}

void RocksStore::NoteSmallBlocks(std::vector<PreparedAppend::Block>* written) {
  std::lock_guard lock(small_mu_);
  for (PreparedAppend::Block& block : *written) {
    BlockInfo& info = block.info;
    if (info.raw_bytes < options_.target_block_bytes / 4) {
      small_blocks_[{info.key.partition, info.key.stream}].push_back(std::move(info));
    }
  }
}

PreparedAppend RocksStore::Prepare(const AppendRequest& request) {
  PreparedAppend prepared;
  prepared.agent_id = request.agent_id;
  prepared.seq = request.seq;
  prepared.first_seq = request.first_seq;
  PlannedBlocks planned;
  // Sorted copies of unordered streams. Planned blocks point into their buffers, which stay put
  // when the outer vector grows.
  std::vector<std::vector<LogEntry>> sorted_copies;
  for (const StreamEntries& stream : request.streams) {
    if (stream.entries.empty()) continue;
    PreparedAppend::Stream& out = prepared.streams.emplace_back();
    out.id = stream.labels.Hash();
    out.labels = stream.labels;
    // Entries usually arrive in time order and distinct: only an unordered stream, or one
    // holding the same entry twice, pays for a copy.
    auto earlier = [](const LogEntry& a, const LogEntry& b) { return a.ts_ns < b.ts_ns; };
    std::span<const LogEntry> sorted = stream.entries;
    std::vector<LogEntry>* copy = nullptr;
    if (!std::is_sorted(sorted.begin(), sorted.end(), earlier)) {
      copy = &sorted_copies.emplace_back(stream.entries);
      std::stable_sort(copy->begin(), copy->end(), earlier);
      sorted = *copy;
    }
    if (std::vector<size_t> repeats = RepeatedEntries(sorted); !repeats.empty()) {
      if (!copy) copy = &sorted_copies.emplace_back(stream.entries);
      for (auto i = repeats.rbegin(); i != repeats.rend(); ++i) copy->erase(copy->begin() + *i);
      prepared.repeats += repeats.size();
      sorted = *copy;
    }
    PlanStream(prepared.streams.size() - 1, out.id, sorted, &planned);
  }
  prepared.series = request.series;  // Two flat buffers: a copy costs two allocations.
  prepared.series.SortSamples();
  prepared.blocks = EncodeBlocks(std::move(planned));
  return prepared;
}

absl::StatusOr<AppendResult> RocksStore::Commit(PreparedAppend prepared) {
  absl::StatusOr<AppendResult> result = CommitOnce(std::move(prepared));
  MaybeCheckpoint();
  return result;
}

absl::StatusOr<AppendResult> RocksStore::CommitOnce(PreparedAppend prepared) {
  AppendResult result;
  bool dedup = !prepared.agent_id.empty() && prepared.seq > 0;
  AgentState* agent = dedup ? &Agent(prepared.agent_id) : nullptr;
  std::unique_lock<std::mutex> agent_lock;
  if (agent) {
    agent_lock = std::unique_lock(agent->mu);
    if (!agent->loaded) {
      std::string value;
      rocksdb::Status s = db_->Get({}, families_[kMeta], AgentSeqKey(prepared.agent_id), &value);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the agent's sequence");
      agent->applied_seq = value.size() == 8 ? GetBigEndian64(value.data()) : 0;
      agent->loaded = true;
    }
    if (prepared.seq <= agent->applied_seq) {
      result.duplicate = true;
      return result;
    }
    if (prepared.first_seq != 0 && prepared.first_seq <= agent->applied_seq) {
      return absl::AbortedError(
          StrCat("a request of batches seq ", prepared.first_seq, " to ", prepared.seq,
                 " came after batches up to seq ", agent->applied_seq,
                 " were stored (sent again on another stream): nothing stored, so that none is "
                 "stored twice; resend them one batch per request"));
    }
  }

  // Entries already stored are dropped under the gate, which keeps out the other commits that
  // could store the same ones meanwhile (store/append_gate.h).
  std::vector<AppendGate::Span> spans = SpansOf(prepared);
  absl::StatusOr<std::vector<int64_t>> check_up_to = gate_.Enter(spans);
  if (!check_up_to.ok()) return check_up_to.status();
  struct Leave {
    AppendGate* gate;
    std::span<const AppendGate::Span> spans;
    ~Leave() { gate->Leave(spans); }
  } leave{&gate_, spans};
  absl::StatusOr<uint64_t> stored = DropStored(&prepared, spans, *check_up_to);
  if (!stored.ok()) return stored.status();
  result.duplicates = *stored + prepared.repeats;
  result.entries = result.duplicates;

  std::shared_lock commit_lock(commit_mu_);
  // Sized up front for the blocks, new series and the chunks a commit may cut (a few bytes a
  // sample): growing it copies the batch again and again.
  size_t batch_bytes = 256 + prepared.series.sample_count() * 4 + prepared.series.label_bytes();
  for (const PreparedAppend::Block& block : prepared.blocks) batch_bytes += block.encoded.size();
  rocksdb::WriteBatch batch(batch_bytes);
  std::vector<const PreparedAppend::Stream*> new_streams;
  std::set<std::pair<uint32_t, StreamId>> new_presence;
  std::vector<bool> refused(prepared.streams.size());
  for (size_t i = 0; i < prepared.streams.size(); ++i) {
    const PreparedAppend::Stream& stream = prepared.streams[i];
    switch (registry_.Check(stream.id, stream.labels)) {
      case StreamRegistry::Lookup::kCollision:
        refused[i] = true;
        if (result.reason.empty()) {
          result.reason = StrCat("stream ", stream.labels.ToString(),
                                 " collides with another stream's id; not stored");
        }
        continue;
      case StreamRegistry::Lookup::kNew:
        batch.Put(families_[kStreams], StreamKey(stream.id), stream.labels.Encode());
        new_streams.push_back(&stream);
        break;
      case StreamRegistry::Lookup::kKnown:
        break;
    }
  }
  for (const PreparedAppend::Block& block : prepared.blocks) {
    const BlockInfo& info = block.info;
    if (refused[block.stream]) {
      result.rejected += info.entries;
      continue;
    }
    result.entries += info.entries;
    result.bytes += info.raw_bytes;
    if (!registry_.Present(info.key.partition, info.key.stream) &&
        new_presence.emplace(info.key.partition, info.key.stream).second) {
      batch.Put(families_[kPresence], PartitionStreamKey(info.key.partition, info.key.stream), "");
    }
  }
  std::erase_if(prepared.blocks,
                [&](const PreparedAppend::Block& block) { return refused[block.stream]; });
  PutBlocks(&batch, prepared.blocks);
  std::vector<std::pair<uint32_t, uint64_t>> pending_tokens;
  struct ClearOnExit {
    RocksStore* store;
    std::vector<std::pair<uint32_t, uint64_t>>* tokens;
    ~ClearOnExit() { store->ClearPending(*tokens); }
  } clear_pending{this, &pending_tokens};
  // Samples are durable in the series log, the rest of the request in RocksDB, written after
  // the log: replay keeps the samples of a request with log entries or an agent's seq only if
  // RocksDB has that request too (docs/storage-format.md, "The series log").
  CommitCheck check;
  if (agent) {
    check = {CommitCheck::kAgentSeq, prepared.agent_id, prepared.seq};
  } else if (!prepared.blocks.empty() && !prepared.series.empty()) {
    check = {CommitCheck::kMarker, {}, (epoch_ << 32) | next_marker_.fetch_add(1)};
    batch.Put(families_[kMeta], SeriesCommitKey(check.value), "");
  }
  uint64_t log_ticket = 0;
  if (auto st = CommitSeries(prepared, check, &batch, &result.series, &pending_tokens, &log_ticket);
      !st.ok()) {
    return st;
  }
  if (agent) {
    std::string seq;
    PutBigEndian64(&seq, prepared.seq);
    batch.Put(families_[kMeta], AgentSeqKey(prepared.agent_id), seq);
  }
  if (log_ticket != 0) {
    if (absl::Status st = wal_->WaitDurable(log_ticket); !st.ok()) return st;
  }
  // What only RocksDB holds (log entries, streams, the agent's seq, a commit marker) is synced
  // before the ack. A batch of samples alone holds what the series log can rebuild (chunks cut,
  // series, partitions): written without a sync, made durable before a checkpoint lets the
  // segments go.
  rocksdb::WriteOptions write;
  write.sync = log_ticket == 0 || check.kind != CommitCheck::kNone;
  if (batch.Count() > 0) {
    if (auto st = FromRocks(db_->Write(write, &batch), "writing a batch"); !st.ok()) return st;
  }

  if (agent) agent->applied_seq = prepared.seq;
  for (const PreparedAppend::Stream* stream : new_streams) {
    registry_.AddStream(stream->id, stream->labels);
  }
  for (auto& [partition, id] : new_presence) registry_.AddPresence(partition, id);
  NoteSmallBlocks(&prepared.blocks);
  return result;
}

std::vector<StreamId> RocksStore::StreamsWhere(std::string_view name, const ValuePredicate& accept,
                                               TimeRange range) const {
  return registry_.StreamsWhere(name, accept, PartitionOf(std::max<int64_t>(range.start_ns, 0)),
                                PartitionOf(std::max<int64_t>(range.end_ns - 1, 0)));
}

std::optional<LabelSet> RocksStore::StreamLabels(StreamId stream) const {
  return registry_.Labels(stream);
}

std::vector<std::string> RocksStore::LabelNames(TimeRange range) const {
  std::set<std::string> names;
  registry_.ForEachStream(PartitionOf(std::max<int64_t>(range.start_ns, 0)),
                          PartitionOf(std::max<int64_t>(range.end_ns - 1, 0)),
                          [&](const LabelSet& labels) {
                            for (const Label& l : labels.labels()) names.insert(l.name);
                          });
  return {names.begin(), names.end()};
}

std::vector<std::string> RocksStore::LabelValues(std::string_view name, TimeRange range) const {
  std::set<std::string> values;
  registry_.ForEachStream(PartitionOf(std::max<int64_t>(range.start_ns, 0)),
                          PartitionOf(std::max<int64_t>(range.end_ns - 1, 0)),
                          [&](const LabelSet& labels) {
                            std::string_view v = labels.Get(name);
                            if (!v.empty()) values.emplace(v);
                          });
  return {values.begin(), values.end()};
}

StoreStats RocksStore::Stats() const {
  StoreStats stats;
  stats.streams = registry_.stream_count();
  stats.partitions = registry_.Partitions().size();
  for (auto* family : families_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(family, "rocksdb.total-sst-files-size", &v)) stats.disk_bytes += v;
    if (db_->GetIntProperty(family, "rocksdb.total-blob-file-size", &v)) stats.disk_bytes += v;
  }
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables,
                                &stats.memtable_bytes);
  SeriesStats(&stats);
  return stats;
}

}  // namespace vigie::store
