// RocksStore's LogReader: a RocksDB snapshot, so that a query sees blocks merged by a
// concurrent compaction either before or after the merge, never both or neither.
#include "common/strings.h"
#include "common/time.h"
#include "store/rocks_store.h"

namespace vigie::store {

namespace {

class SnapshotReader final : public LogReader {
 public:
  SnapshotReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index,
                 rocksdb::ColumnFamilyHandle* blocks, int64_t partition_ns)
      : db_(db),
        index_(index),
        blocks_(blocks),
        partition_ns_(partition_ns),
        snapshot_(db->GetSnapshot()) {}
  ~SnapshotReader() override { db_->ReleaseSnapshot(snapshot_); }

  std::vector<BlockInfo> Blocks(StreamId stream, TimeRange range) const override {
    std::vector<BlockInfo> out;
    if (range.end_ns <= range.start_ns || range.end_ns <= 0) return out;
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    uint32_t first = static_cast<uint32_t>(std::max<int64_t>(range.start_ns, 0) / partition_ns_);
    uint32_t last = static_cast<uint32_t>((range.end_ns - 1) / partition_ns_);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, index_));
    for (uint32_t p = first; p <= last; ++p) {
      std::string prefix = PartitionStreamKey(p, stream);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        BlockInfo info;
        if (!DecodeBlockInfo(it->key().ToStringView(), it->value().ToStringView(), &info)) {
          continue;
        }
        if (info.key.min_ts >= range.end_ns) break;
        if (range.Overlaps(info.key.min_ts, info.key.max_ts)) out.push_back(info);
      }
      if (p == UINT32_MAX) break;
    }
    return out;
  }

  absl::Status ReadBlock(const BlockKey& key, DecodedBlock* out, ReadCost* cost) const override {
    const int64_t start_ns = cost != nullptr ? MonotonicNanos() : 0;
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    // The block carries its own checksum (docs/storage-format.md, "Log block"), which DecodeBlock
    // checks: Debian's RocksDB computes the blob's CRC32C without the CPU's CRC instruction, a
    // tenth of a full scan's time.
    options.verify_checksums = false;
    // One buffer per thread, kept between blocks: a block is hundreds of KiB, which glibc would
    // map and unmap (and the kernel fault in and zero) at every read.
    thread_local rocksdb::PinnableSlice value;
    value.Reset();
    rocksdb::Status s = db_->Get(options, blocks_, EncodeBlockKey(key), &value);
    if (s.IsNotFound()) return absl::NotFoundError("log block not found: dropped by retention?");
    if (!s.ok()) return absl::InternalError(StrCat("reading a log block: ", s.ToString()));
    const int64_t fetched_ns = cost != nullptr ? MonotonicNanos() : 0;
    absl::Status decoded = DecodeBlock(value.ToStringView(), out);
    if (cost != nullptr) {
      const int64_t decoded_ns = MonotonicNanos();
      cost->fetch_ns += fetched_ns - start_ns;
      cost->decode_ns += decoded_ns - fetched_ns;
      cost->stored_bytes += value.size();
      if (decoded.ok()) cost->decoded_bytes += out->payload_size();
    }
    value.Reset();  // Releases a pinned buffer now; a copied one keeps its capacity.
    return decoded;
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* index_;
  rocksdb::ColumnFamilyHandle* blocks_;
  int64_t partition_ns_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

std::unique_ptr<LogReader> RocksStore::NewReader() const {
  return std::make_unique<SnapshotReader>(db_.get(), families_[kBlockIndex], families_[kBlocks],
                                          partition_ns_);
}

}  // namespace vigie::store
