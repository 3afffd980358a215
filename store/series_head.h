// The in-memory state of metric series (RocksStore, rocks_series.cc): per series its labels,
// where its data lies, and its head — the open chunk and the out-of-order buffer, whose samples
// are durable only in the series log (store/series_wal.h) until they are cut into a chunk.
// docs/storage-format.md, "The series log", says how the log is written, checkpointed and
// replayed.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "store/chunk.h"
#include "store/series.h"

namespace vigie::store {

inline constexpr size_t kChunkSamples = 120;        // A chunk is cut at this many samples,
inline constexpr int64_t kChunkWindowMs = 7200000;  // or at the end of its 2-hour window.
inline constexpr uint32_t kSeriesShards = 16;       // Part of the format: log records name one.

inline uint32_t ShardOf(SeriesId id) { return static_cast<uint32_t>(id % kSeriesShards); }

// One series. Guarded by its shard's mutex, except `id`, `ref` and `labels`, fixed at creation.
struct MemSeries {
  SeriesId id = 0;
  uint32_t ref = 0;    // Its number in the postings index.
  std::string labels;  // LabelSet::Encode().
  // Partitions holding its data (the series_partitions records), first > last when none.
  // Written under the shard's mutex and the index mutex, read under either.
  uint32_t first_partition = std::numeric_limits<uint32_t>::max();
  uint32_t last_partition = 0;

  // The head: in-order samples of one chunk window, and older ones within the out-of-order
  // window (sorted, allocated only when a series gets any).
  ChunkAppender chunk;
  int64_t window_end = 0;  // Of the open chunk.
  std::unique_ptr<std::vector<Sample>> ooo;

  // The newest sample ever accepted (head or chunks), when any; read from the chunks at the first
  // append after a start (newest_known false until then).
  int64_t newest_ts = 0;
  uint64_t newest_bits = 0;
  bool any = false;
  bool newest_known = false;

  bool head_empty() const { return chunk.empty() && (!ooo || ooo->empty()); }
  int64_t head_newest() const;
};

// A chunk cut by a commit whose write is not done yet: readers and duplicate checks see it here
// until it is in RocksDB.
struct PendingChunk {
  uint64_t token = 0;  // The head sequence of the commit that cut it.
  std::string key;     // In series_chunks.
  std::string bytes;
};

struct SeriesShard {
  std::mutex mu;
  // Open addressing: about 18 bytes a series where a node map takes 56.
  absl::flat_hash_map<SeriesId, std::unique_ptr<MemSeries>> series;
  std::unordered_multimap<SeriesId, PendingChunk> pending;
  uint64_t next_seq = 1;  // Head sequences, per shard.
  // RocksStore::chunks_cleared_ when pending chunks of this shard were last dropped (written):
  // a reader whose RocksDB iterator is older may see such a chunk in neither place.
  uint64_t cleared_epoch = 0;
};

}  // namespace vigie::store
