#include "store/keys.h"

#include "common/varint.h"

namespace vigie::store {

std::string EncodeBlockKey(const BlockKey& key) {
  std::string out;
  out.reserve(kBlockKeySize);
  PutBigEndian32(&out, key.partition);
  PutBigEndian64(&out, key.stream);
  PutBigEndian64(&out, OrderedFromSigned(key.min_ts));
  PutBigEndian64(&out, OrderedFromSigned(key.max_ts));
  PutBigEndian64(&out, key.seq);
  return out;
}

bool DecodeBlockKey(std::string_view bytes, BlockKey* key) {
  if (bytes.size() != kBlockKeySize) return false;
  const char* p = bytes.data();
  key->partition = GetBigEndian32(p);
  key->stream = GetBigEndian64(p + 4);
  key->min_ts = SignedFromOrdered(GetBigEndian64(p + 12));
  key->max_ts = SignedFromOrdered(GetBigEndian64(p + 20));
  key->seq = GetBigEndian64(p + 28);
  return true;
}

std::string EncodeBlockInfoValue(const BlockInfo& info) {
  std::string v;
  PutVarint(&v, info.entries);
  PutVarint(&v, info.raw_bytes);
  v += info.ngram_filter;
  return v;
}

bool DecodeBlockInfo(std::string_view key, std::string_view value, BlockInfo* info) {
  uint64_t entries, raw;
  if (!DecodeBlockKey(key, &info->key) || !GetVarint(&value, &entries) ||
      !GetVarint(&value, &raw)) {
    return false;
  }
  info->entries = static_cast<uint32_t>(entries);
  info->raw_bytes = static_cast<uint32_t>(raw);
  info->ngram_filter.assign(value);
  return true;
}

std::string PartitionStreamKey(uint32_t partition, StreamId stream) {
  std::string out;
  PutBigEndian32(&out, partition);
  PutBigEndian64(&out, stream);
  return out;
}

std::string PartitionKey(uint32_t partition) {
  std::string out;
  PutBigEndian32(&out, partition);
  return out;
}

std::string StreamKey(StreamId stream) {
  std::string out;
  PutBigEndian64(&out, stream);
  return out;
}

StreamId DecodeStreamKey(std::string_view bytes) {
  return bytes.size() == 8 ? GetBigEndian64(bytes.data()) : 0;
}

std::string AgentSeqKey(std::string_view agent_id) {
  std::string out = "agent/";
  out.append(agent_id);
  return out;
}

}  // namespace vigie::store
