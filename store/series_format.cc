#include "store/series_format.h"

#include <bit>
#include <vector>

#include "common/varint.h"

namespace vigie::store {

std::string ChunkKey(uint32_t partition, SeriesId series, int64_t min_ts) {
  std::string out;
  out.reserve(kChunkKeySize);
  PutBigEndian32(&out, partition);
  PutBigEndian64(&out, series);
  PutBigEndian64(&out, OrderedFromSigned(min_ts));
  return out;
}

bool DecodeChunkKey(std::string_view bytes, ChunkKeyParts* out) {
  if (bytes.size() != kChunkKeySize) return false;
  out->partition = GetBigEndian32(bytes.data());
  out->series = GetBigEndian64(bytes.data() + 4);
  out->min_ts = SignedFromOrdered(GetBigEndian64(bytes.data() + 12));
  return true;
}

std::string HeadKey(uint32_t shard, uint64_t seq) {
  std::string out;
  out.push_back(static_cast<char>(shard >> 8));
  out.push_back(static_cast<char>(shard & 0xff));
  PutBigEndian64(&out, seq);
  return out;
}

bool DecodeHeadKey(std::string_view bytes, uint32_t* shard, uint64_t* seq) {
  if (bytes.size() != 10) return false;
  *shard =
      (static_cast<uint32_t>(static_cast<uint8_t>(bytes[0])) << 8) | static_cast<uint8_t>(bytes[1]);
  *seq = GetBigEndian64(bytes.data() + 2);
  return true;
}

void AppendHeadRecord(SeriesId series, std::span<const Sample> samples, std::string* record) {
  PutBigEndian64(record, series);
  PutVarint(record, samples.size());
  int64_t prev = 0;
  for (const Sample& s : samples) {
    PutVarint(record, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(s.ts_ms) -
                                                  static_cast<uint64_t>(prev))));
    PutBigEndian64(record, std::bit_cast<uint64_t>(s.value));
    prev = s.ts_ms;
  }
}

absl::Status ForEachHeadPart(std::string_view record,
                             const std::function<void(SeriesId, std::span<const Sample>)>& fn) {
  std::vector<Sample> samples;
  while (!record.empty()) {
    uint64_t n = 0;
    if (record.size() < 8) return absl::DataLossError("corrupt head record: truncated series id");
    SeriesId id = GetBigEndian64(record.data());
    record.remove_prefix(8);
    if (!GetVarint(&record, &n) || n > record.size()) {
      return absl::DataLossError("corrupt head record: bad sample count");
    }
    samples.clear();
    uint64_t ts = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t delta = 0;
      if (!GetVarint(&record, &delta) || record.size() < 8) {
        return absl::DataLossError("corrupt head record: truncated sample");
      }
      ts += static_cast<uint64_t>(UnZigZag(delta));
      samples.push_back(
          {static_cast<int64_t>(ts), std::bit_cast<double>(GetBigEndian64(record.data()))});
      record.remove_prefix(8);
    }
    fn(id, samples);
  }
  return absl::OkStatus();
}

}  // namespace vigie::store
