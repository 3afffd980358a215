// Keys and values of the series column families (docs/storage-format.md, "Series"). Integers in
// keys are big-endian so that RocksDB's order is numeric order.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "store/series.h"

namespace vigie::store {

// series_chunks: u32 partition | u64 series id | u64 first timestamp (sign-flipped).
constexpr size_t kChunkKeySize = 4 + 8 + 8;
std::string ChunkKey(uint32_t partition, SeriesId series, int64_t min_ts);
struct ChunkKeyParts {
  uint32_t partition = 0;
  SeriesId series = 0;
  int64_t min_ts = 0;
};
bool DecodeChunkKey(std::string_view bytes, ChunkKeyParts* out);

// series_head (format version 3 and before, read once to upgrade): u16 shard | u64 head sequence.
bool DecodeHeadKey(std::string_view bytes, uint32_t* shard, uint64_t* seq);

// Samples of one series in a record: u64 id | varint n | n x (zigzag varint time delta from the
// previous sample, the first from 0 | u64 value bits). A head record (series_head) is a sequence
// of them; so is the end of a series log record.
void AppendHeadRecord(SeriesId series, std::span<const Sample> samples, std::string* record);
// Calls `fn` for each series part of `record`. DataLoss when it is malformed.
absl::Status ForEachHeadPart(std::string_view record,
                             const std::function<void(SeriesId, std::span<const Sample>)>& fn);

// In the metadata family: the marker of a commit with log entries, samples and no agent seq
// ("series_commit/" | u64 marker), whose samples record names it (CommitCheck::kMarker).
std::string SeriesCommitKey(uint64_t marker);
inline constexpr std::string_view kSeriesCommitPrefix = "series_commit/";

// Records of the series log (store/series_wal.h; docs/storage-format.md, "The series log").
enum class SeriesLogKind : uint8_t { kSamples = 1, kCheckpoint = 2 };

// How replay tells whether the commit that wrote a samples record was stored in RocksDB too:
// an agent's seq (stored with it), a marker key, or nothing to check (the record alone is the
// commit).
struct CommitCheck {
  enum Kind : uint8_t { kNone = 0, kAgentSeq = 1, kMarker = 2 } kind = kNone;
  std::string_view agent_id;
  uint64_t value = 0;  // The agent's seq, or the marker.
};

// A samples record: the shard and head sequence of one commit, its commit check, the series it
// created, and every sample of the shard it accepted (parts as AppendHeadRecord writes them).
struct SamplesRecord {
  uint32_t shard = 0;
  uint64_t seq = 0;
  CommitCheck check;
  std::vector<std::pair<SeriesId, std::string_view>> created;  // Id, encoded labels.
  std::string_view parts;
};
// Writes the record up to its parts; `created` holds, back to back, u64 id | varint length |
// labels for each series created; the caller appends the parts.
void BeginSamplesRecord(uint32_t shard, uint64_t seq, const CommitCheck& check,
                        size_t created_count, std::string_view created, std::string* out);
void AppendCreatedSeries(SeriesId id, std::string_view labels, std::string* created);
absl::Status DecodeSamplesRecord(std::string_view record, SamplesRecord* out);

// A checkpoint record: the heads of one shard as of head sequence `seq`.
struct CheckpointHead {
  SeriesId id = 0;
  int64_t newest_ts = 0;
  uint64_t newest_bits = 0;
  std::string_view chunk;   // The open chunk's bytes (possibly empty).
  std::vector<Sample> ooo;  // The out-of-order buffer.
};
void BeginCheckpointRecord(uint32_t shard, uint64_t seq, std::string* out);
void AppendCheckpointHead(SeriesId id, int64_t newest_ts, uint64_t newest_bits,
                          std::string_view chunk, std::span<const Sample> ooo, std::string* out);
absl::Status ForEachCheckpointHead(std::string_view record, uint32_t* shard, uint64_t* seq,
                                   const std::function<void(const CheckpointHead&)>& fn);
}  // namespace vigie::store
