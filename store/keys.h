// Key encodings of the log store (docs/storage-format.md). All integers are big-endian so that
// RocksDB's bytewise order is numeric order: within a partition, blocks sort by (stream, time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigie::store {

using StreamId = uint64_t;

// Identifies one stored block: its day partition, stream, time span and a unique sequence.
struct BlockKey {
  uint32_t partition = 0;
  StreamId stream = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint64_t seq = 0;
  bool operator==(const BlockKey&) const = default;
};

// The block index's record of a block: its key and sizes, readable without the block itself.
struct BlockInfo {
  BlockKey key;
  uint32_t entries = 0;
  uint32_t raw_bytes = 0;    // Uncompressed line bytes.
  std::string ngram_filter;  // store/ngram_filter.h; empty when absent.
};

// Block index value: varint entries | varint raw bytes | n-gram filter (the rest).
std::string EncodeBlockInfoValue(const BlockInfo& info);
// False when either part is malformed.
bool DecodeBlockInfo(std::string_view key, std::string_view value, BlockInfo* info);

constexpr size_t kBlockKeySize = 4 + 8 + 8 + 8 + 8;

std::string EncodeBlockKey(const BlockKey& key);
// False when `bytes` is not a block key.
bool DecodeBlockKey(std::string_view bytes, BlockKey* key);

// partition | stream: the prefix of every block key of that stream in that partition, and the
// key of the stream-presence record.
std::string PartitionStreamKey(uint32_t partition, StreamId stream);
// partition: the prefix of every key of that partition.
std::string PartitionKey(uint32_t partition);

// stream id: key of the label-set record.
std::string StreamKey(StreamId stream);
StreamId DecodeStreamKey(std::string_view bytes);

// Metadata keys in the default column family.
inline constexpr std::string_view kFormatVersionKey = "format_version";
// The storage format this vigied writes (docs/storage-format.md); older ones are upgraded.
inline constexpr std::string_view kFormatVersion = "6";
inline constexpr std::string_view kPartitionNanosKey = "partition_ns";
inline constexpr std::string_view kNextBlockSeqKey = "next_block_seq";
std::string AgentSeqKey(std::string_view agent_id);

}  // namespace vigie::store
