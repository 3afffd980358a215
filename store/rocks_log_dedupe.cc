// Duplicate entries: an entry whose stream already holds the same timestamp and line is not
// stored again (docs/storage-format.md, "Duplicate entries"). Only batches reaching back into
// a stream's stored time range read the store; see store/append_gate.h.
#include <memory>
#include <set>
#include <string_view>
#include <unordered_set>

#include "store/rocks_store.h"

namespace vigie::store {

std::vector<size_t> RepeatedEntries(std::span<const LogEntry> sorted) {
  std::vector<size_t> repeats;
  size_t begin = 0;
  while (begin < sorted.size()) {
    size_t end = begin + 1;
    while (end < sorted.size() && sorted[end].ts_ns == sorted[begin].ts_ns) ++end;
    if (end - begin > 1) {
      std::unordered_set<std::string_view> lines;
      for (size_t i = begin; i < end; ++i) {
        if (!lines.insert(sorted[i].line).second) repeats.push_back(i);
      }
    }
    begin = end;
  }
  return repeats;
}

std::vector<AppendGate::Span> RocksStore::SpansOf(const PreparedAppend& prepared) {
  std::vector<AppendGate::Span> spans(prepared.streams.size(), {0, INT64_MAX, INT64_MIN});
  for (size_t i = 0; i < spans.size(); ++i) spans[i].stream = prepared.streams[i].id;
  for (const PreparedAppend::Block& block : prepared.blocks) {
    AppendGate::Span& span = spans[block.stream];
    span.min_ts = std::min(span.min_ts, block.info.key.min_ts);
    span.max_ts = std::max(span.max_ts, block.info.key.max_ts);
  }
  return spans;
}

absl::StatusOr<int64_t> RocksStore::NewestStored(StreamId stream) const {
  std::optional<uint32_t> partition = registry_.NewestPartition(stream);
  if (!partition) return INT64_MIN;
  const std::string prefix = PartitionStreamKey(*partition, stream);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, families_[kBlockIndex]));
  int64_t newest = INT64_MIN;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    BlockKey key;
    if (DecodeBlockKey(it->key().ToStringView(), &key)) newest = std::max(newest, key.max_ts);
  }
  if (absl::Status s = FromRocks(it->status(), "reading a stream's newest block"); !s.ok()) {
    return s;
  }
  return newest;
}

absl::StatusOr<uint64_t> RocksStore::DropStored(PreparedAppend* prepared,
                                                std::span<const AppendGate::Span> spans,
                                                std::span<const int64_t> check_up_to) {
  uint64_t dropped = 0;
  std::unique_ptr<LogReader> reader;
  PlannedBlocks replanned;
  std::vector<bool> replan(spans.size());
  std::vector<std::unique_ptr<std::vector<LogEntry>>> kept_entries;  // Replanned blocks' entries.
  DecodedBlock decoded;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (check_up_to[i] == INT64_MIN) continue;
    if (!reader) reader = NewReader();  // After the gate: it sees every earlier commit.
    std::set<std::pair<int64_t, std::string>> stored;
    TimeRange range{spans[i].min_ts, std::min(check_up_to[i], INT64_MAX - 1) + 1};
    for (const BlockInfo& info : reader->Blocks(spans[i].stream, range)) {
      if (absl::Status s = reader->ReadBlock(info.key, &decoded); !s.ok()) return s;
      for (size_t j = 0; j < decoded.size(); ++j) {
        if (decoded.ts(j) >= range.start_ns && decoded.ts(j) < range.end_ns) {
          stored.emplace(decoded.ts(j), decoded.line(j));
        }
      }
    }
    if (stored.empty()) continue;
    auto kept = std::make_unique<std::vector<LogEntry>>();
    size_t total = 0;
    // Blocks were planned in time order, so their entries concatenate in time order.
    for (const PreparedAppend::Block& block : prepared->blocks) {
      if (block.stream != i) continue;
      if (absl::Status s = DecodeBlock(block.encoded, &decoded); !s.ok()) return s;
      total += decoded.size();
      for (size_t j = 0; j < decoded.size(); ++j) {
        std::pair<int64_t, std::string> entry(decoded.ts(j), decoded.line(j));
        if (!stored.contains(entry)) kept->push_back({entry.first, std::move(entry.second)});
      }
    }
    if (kept->size() == total) continue;
    dropped += total - kept->size();
    replan[i] = true;
    PlanStream(i, spans[i].stream, *kept, &replanned);
    kept_entries.push_back(std::move(kept));
  }
  if (dropped == 0) return 0;
  std::erase_if(prepared->blocks,
                [&](const PreparedAppend::Block& block) { return replan[block.stream]; });
  for (PreparedAppend::Block& block : EncodeBlocks(std::move(replanned))) {
    prepared->blocks.push_back(std::move(block));
  }
  return dropped;
}

}  // namespace vigie::store
