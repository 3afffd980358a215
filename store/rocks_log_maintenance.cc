// RocksStore's background work: retention by whole partitions, and merging small blocks.
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "rocksdb/write_batch.h"
#include "store/rocks_store.h"

namespace vigie::store {

absl::StatusOr<int> RocksStore::DropPartitionsBefore(int64_t cutoff_ns) {
  std::lock_guard compact_lock(compact_mu_);
  if (cutoff_ns <= 0) return 0;
  // Partition p covers [p, p+1) * partition_ns: it is dropped when it ends at or before cutoff.
  uint32_t limit = static_cast<uint32_t>(cutoff_ns / partition_ns_);
  std::set<uint32_t> partitions;
  for (const std::vector<uint32_t>& list : {registry_.Partitions(), SeriesPartitions()}) {
    partitions.insert(list.begin(), list.end());
  }
  int dropped = static_cast<int>(
      std::count_if(partitions.begin(), partitions.end(), [&](uint32_t p) { return p < limit; }));
  if (dropped == 0) return 0;

  std::string begin = PartitionKey(0), end = PartitionKey(limit);
  std::unique_lock commit_lock(commit_mu_);
  rocksdb::WriteBatch batch;
  for (Family f : {kPresence, kBlockIndex, kBlocks}) {
    batch.DeleteRange(families_[f], begin, end);
  }
  std::vector<StreamId> orphans = registry_.DropPartitionsBelow(limit);
  for (StreamId id : orphans) batch.Delete(families_[kStreams], StreamKey(id));
  DropSeriesBelow(limit, &batch);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto st = FromRocks(db_->Write(sync, &batch), "dropping partitions"); !st.ok()) return st;
  for (StreamId id : orphans) registry_.RemoveStream(id);
  {
    std::lock_guard lock(small_mu_);
    std::erase_if(small_blocks_, [&](const auto& kv) { return kv.first.first < limit; });
  }
  commit_lock.unlock();
  // Reclaim the disk space now rather than at some later compaction.
  rocksdb::Slice b(begin), e(end);
  for (Family f : {kPresence, kBlockIndex, kBlocks, kSeriesPresence, kSeriesChunks}) {
    if (maintenance_stopped_.load()) break;
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    options.canceled = &maintenance_stopped_;
    db_->CompactRange(options, families_[f], &b, &e);
  }
  return dropped;
}

absl::StatusOr<int> RocksStore::CompactSmallBlocks() {
  std::lock_guard compact_lock(compact_mu_);
  std::map<std::pair<uint32_t, StreamId>, std::vector<BlockInfo>> work;
  {
    std::lock_guard lock(small_mu_);
    for (auto it = small_blocks_.begin(); it != small_blocks_.end();) {
      if (it->second.size() >= 2) {
        work.insert(work.end(), std::move(*it));
        it = small_blocks_.erase(it);
      } else {
        ++it;
      }
    }
  }
  int merged = 0;
  auto reader = NewReader();
  for (auto& [where, blocks] : work) {
    std::vector<LogEntry> entries;
    DecodedBlock decoded;
    absl::Status read;
    for (const BlockInfo& info : blocks) {
      // Stopping: what is not merged yet stays as it is, readable.
      if (maintenance_stopped_.load()) return merged;
      if (read = reader->ReadBlock(info.key, &decoded); !read.ok()) break;
      for (size_t i = 0; i < decoded.size(); ++i) {
        entries.push_back({decoded.ts(i), std::string(decoded.line(i))});
      }
    }
    if (absl::IsNotFound(read)) continue;  // Its partition was dropped since: nothing to merge.
    if (!read.ok()) return read;
    std::stable_sort(entries.begin(), entries.end(),
                     [](const LogEntry& a, const LogEntry& b) { return a.ts_ns < b.ts_ns; });
    rocksdb::WriteBatch batch;
    for (const BlockInfo& info : blocks) {
      std::string key = EncodeBlockKey(info.key);
      batch.Delete(families_[kBlocks], key);
      batch.Delete(families_[kBlockIndex], key);
    }
    PlannedBlocks planned;
    PlanBlocks(where.first, 0, where.second, entries, &planned);
    std::vector<PreparedAppend::Block> written = EncodeBlocks(std::move(planned));
    PutBlocks(&batch, written);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (auto st = FromRocks(db_->Write(sync, &batch), "merging blocks"); !st.ok()) return st;
    merged += static_cast<int>(blocks.size() - written.size());
    NoteSmallBlocks(&written);  // A merged block still small can take part in the next merge.
  }
  return merged;
}

}  // namespace vigie::store
