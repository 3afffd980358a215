// Keys and values of the series column families (docs/storage-format.md, "Series"). Integers in
// keys are big-endian so that RocksDB's order is numeric order.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

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

// series_head: u16 shard | u64 head sequence.
std::string HeadKey(uint32_t shard, uint64_t seq);
bool DecodeHeadKey(std::string_view bytes, uint32_t* shard, uint64_t* seq);

// One head record: the samples one commit left in the head, per series. Appends one series'
// part to *record: u64 id | varint n | n x (zigzag varint time delta from the previous sample,
// the first from 0 | u64 value bits).
void AppendHeadRecord(SeriesId series, std::span<const Sample> samples, std::string* record);
// Calls `fn` for each series part of `record`. DataLoss when it is malformed.
absl::Status ForEachHeadPart(std::string_view record,
                             const std::function<void(SeriesId, std::span<const Sample>)>& fn);

}  // namespace vigie::store
