// RocksStore's series log: replaying it at open (checkpoint, then segments), checkpoints, the
// clean stop's cut of every head, and the upgrade of the series_head family of format version 3
// and before. docs/storage-format.md, "The series log", states the invariants.
#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "common/varint.h"
#include "rocksdb/write_batch.h"
#include "store/rocks_store.h"

namespace vigie::store {

namespace {

// Chunks a replay cuts are written in batches of about this size.
constexpr size_t kReplayBatchBytes = 32 << 20;

}  // namespace

absl::Status RocksStore::ReplayParts(SeriesShard& shard, uint64_t seq, std::string_view parts,
                                     const FlushMarks& flushed, rocksdb::WriteBatch* batch) {
  SeriesAppendResult ignored;
  std::vector<Sample> kept;
  return ForEachHeadPart(parts, [&](SeriesId id, std::span<const Sample> samples) {
    auto s = shard.series.find(id);
    if (s == shard.series.end()) return;  // Dropped by retention since.
    auto mark = flushed.find(id);
    if (mark != flushed.end() && seq < mark->second) return;  // In chunks already.
    MemSeries& series = *s->second;
    LearnNewest(series);
    kept.clear();
    // Samples cut into a chunk that reached RocksDB are found there: duplicates, not stored.
    for (const Sample& sample : samples) {
      AppendSample(shard, series, sample, seq, batch, &ignored, &kept);
    }
  });
}

bool RocksStore::Committed(const CommitCheck& check,
                           std::unordered_map<std::string, uint64_t>* applied) {
  std::string value;
  switch (check.kind) {
    case CommitCheck::kNone:
      return true;
    case CommitCheck::kAgentSeq: {
      auto [it, added] = applied->try_emplace(std::string(check.agent_id), 0);
      if (added && db_->Get({}, families_[kMeta], AgentSeqKey(check.agent_id), &value).ok() &&
          value.size() == 8) {
        it->second = GetBigEndian64(value.data());
      }
      return check.value <= it->second;
    }
    case CommitCheck::kMarker:
      return db_->Get({}, families_[kMeta], SeriesCommitKey(check.value), &value).ok();
  }
  return false;
}

absl::Status RocksStore::ReplaySeriesLog(const FlushMarks& flushed) {
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto write_if_large = [&]() {
    if (batch.GetDataSize() < kReplayBatchBytes) return absl::OkStatus();
    absl::Status st = FromRocks(db_->Write(sync, &batch), "writing chunks cut at replay");
    batch.Clear();
    for (uint32_t k = 0; k < kSeriesShards; ++k) shards_[k].pending.clear();  // Written.
    return st;
  };
  auto on_checkpoint = [&](std::string_view record) -> absl::Status {
    uint32_t k = 0;
    uint64_t seq = 0;
    std::vector<Sample> samples;
    absl::Status st = ForEachCheckpointHead(record, &k, &seq, [&](const CheckpointHead& head) {
      if (k >= kSeriesShards) return;
      SeriesShard& shard = shards_[k];
      auto s = shard.series.find(head.id);
      if (s == shard.series.end()) return;
      auto mark = flushed.find(head.id);
      if (mark != flushed.end() && seq < mark->second) return;  // Cut after the checkpoint.
      MemSeries& series = *s->second;
      samples.clear();
      DecodeChunk(head.chunk, std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max(), &samples)
          .IgnoreError();
      // Appending again gives the same bytes, and the appender's state with them.
      for (const Sample& x : samples) series.chunk.Append(x.ts_ms, x.value);
      if (!series.chunk.empty()) series.window_end = WindowEnd(series.chunk.first_ts());
      if (!head.ooo.empty()) series.ooo = std::make_unique<std::vector<Sample>>(head.ooo);
      series.newest_ts = head.newest_ts;
      series.newest_bits = head.newest_bits;
      series.any = series.newest_known = true;
    });
    if (!st.ok()) return st;
    if (k >= kSeriesShards) return absl::DataLossError(StrCat("checkpoint of shard ", k));
    shards_[k].next_seq = std::max(shards_[k].next_seq, seq + 1);
    return absl::OkStatus();
  };
  std::unordered_map<std::string, uint64_t> applied;
  SamplesRecord r;
  auto on_record = [&](std::string_view record) -> absl::Status {
    if (absl::Status st = DecodeSamplesRecord(record, &r); !st.ok()) return st;
    if (r.shard >= kSeriesShards) return absl::DataLossError(StrCat("shard ", r.shard));
    SeriesShard& shard = shards_[r.shard];
    shard.next_seq = std::max(shard.next_seq, r.seq + 1);
    // Series are created even by a commit that did not reach RocksDB: a later commit that did
    // may have samples of them.
    for (const auto& [id, labels] : r.created) {
      auto mark = flushed.find(id);
      if (shard.series.contains(id) || (mark != flushed.end() && r.seq < mark->second)) continue;
      AddSeries(shard, id, labels);
      batch.Put(families_[kSeries], StreamKey(id), labels);
    }
    if (Committed(r.check, &applied)) {
      if (absl::Status st = ReplayParts(shard, r.seq, r.parts, flushed, &batch); !st.ok()) {
        return st;
      }
    }
    return write_if_large();
  };
  SeriesWalOptions options;
  options.dir = options_.path + "/series_wal";
  options.segment_bytes = options_.series_log_segment_bytes;
  if (options_.series_log_fs) options.fs = options_.series_log_fs;
  options.warn = [](std::string_view message) { spdlog::warn("{}", message); };
  absl::StatusOr<std::unique_ptr<SeriesWal>> wal =
      SeriesWal::Open(std::move(options), on_checkpoint, on_record);
  if (!wal.ok()) return wal.status();
  wal_ = *std::move(wal);
  if (batch.Count() > 0) {
    if (auto st = FromRocks(db_->Write(sync, &batch), "writing chunks cut at replay"); !st.ok()) {
      return st;
    }
  }
  for (uint32_t k = 0; k < kSeriesShards; ++k) shards_[k].pending.clear();
  return absl::OkStatus();
}

absl::Status RocksStore::UpgradeHeadLog(const FlushMarks& flushed) {
  if (!legacy_head_) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, legacy_head_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint32_t k = 0;
    uint64_t seq = 0;
    if (!DecodeHeadKey(it->key().ToStringView(), &k, &seq) || k >= kSeriesShards) {
      return absl::DataLossError("corrupt series head key");
    }
    shards_[k].next_seq = std::max(shards_[k].next_seq, seq + 1);
    if (absl::Status st = ReplayParts(shards_[k], seq, it->value().ToStringView(), flushed, &batch);
        !st.ok()) {
      return st;
    }
  }
  if (auto st = FromRocks(it->status(), "replaying the series head"); !st.ok()) return st;
  it.reset();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto st = FromRocks(db_->Write(sync, &batch), "writing chunks cut at replay"); !st.ok()) {
    return st;
  }
  // The heads are in chunks now: the family can go (a crash before leaves it to replay again,
  // every record below the flush marks just written).
  if (absl::Status st = CutAllHeads(); !st.ok()) return st;
  if (auto st = FromRocks(db_->DropColumnFamily(legacy_head_), "dropping series_head"); !st.ok()) {
    return st;
  }
  db_->DestroyColumnFamilyHandle(legacy_head_).PermitUncheckedError();
  legacy_head_ = nullptr;
  return absl::OkStatus();
}

absl::Status RocksStore::CutAllHeads() {
  rocksdb::WriteBatch batch;
  for (uint32_t k = 0; k < kSeriesShards; ++k) {
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    uint64_t seq = shard.next_seq++;
    for (auto& [id, series] : shard.series) {
      if (!series->head_empty()) FlushHead(shard, *series, seq, &batch);
    }
    shard.pending.clear();  // Written below, before anything reads again.
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocks(db_->Write(sync, &batch), "cutting the heads into chunks");
}

void RocksStore::MaybeCheckpoint() {
  if (wal_->bytes_since_checkpoint() < options_.series_log_checkpoint_bytes) return;
  bool idle = false;
  if (!checkpointing_.compare_exchange_strong(idle, true)) return;
  if (absl::Status st = Checkpoint(); !st.ok()) {
    spdlog::error("series log: writing a checkpoint: {} (the segments stay; retried later)",
                  st.message());
  }
  checkpointing_.store(false);
}

absl::Status RocksStore::Checkpoint() {
  std::vector<std::string> records(kSeriesShards);
  uint64_t segment = 0;
  {
    // No commit in flight: every record logged so far belongs to a commit whose RocksDB write is
    // done, and no head changes while it is copied.
    std::unique_lock exclusive(commit_mu_);
    absl::StatusOr<uint64_t> rotated = wal_->Rotate();
    if (!rotated.ok()) return rotated.status();
    segment = *rotated;
    // The chunks, flush marks and series those commits wrote without a sync: durable now, before
    // the segments that could rebuild them go.
    if (auto st = FromRocks(db_->SyncWAL(), "syncing RocksDB's WAL"); !st.ok()) return st;
    rocksdb::WriteBatch markers;
    markers.DeleteRange(families_[kMeta], SeriesCommitKey(0), SeriesCommitKey(UINT64_MAX));
    if (auto st = FromRocks(db_->Write({}, &markers), "removing commit markers"); !st.ok()) {
      return st;
    }
    static const std::vector<Sample> kNone;
    for (uint32_t k = 0; k < kSeriesShards; ++k) {
      SeriesShard& shard = shards_[k];
      std::lock_guard lock(shard.mu);
      BeginCheckpointRecord(k, shard.next_seq++, &records[k]);
      for (const auto& [id, series] : shard.series) {
        const MemSeries& s = *series;
        if (s.head_empty()) continue;
        AppendCheckpointHead(id, s.newest_ts, s.newest_bits, s.chunk.bytes(),
                             s.ooo ? *s.ooo : kNone, &records[k]);
      }
    }
  }
  return wal_->WriteCheckpoint(segment, records);
}

}  // namespace vigie::store
