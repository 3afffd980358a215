#include "store/series_format.h"

#include <bit>
#include <vector>

#include "common/strings.h"
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

std::string SeriesCommitKey(uint64_t marker) {
  std::string out(kSeriesCommitPrefix);
  PutBigEndian64(&out, marker);
  return out;
}

bool DecodeHeadKey(std::string_view bytes, uint32_t* shard, uint64_t* seq) {
  if (bytes.size() != 10) return false;
  *shard =
      (static_cast<uint32_t>(static_cast<uint8_t>(bytes[0])) << 8) | static_cast<uint8_t>(bytes[1]);
  *seq = GetBigEndian64(bytes.data() + 2);
  return true;
}

namespace {

void AppendSamples(std::span<const Sample> samples, std::string* out) {
  PutVarint(out, samples.size());
  int64_t prev = 0;
  for (const Sample& s : samples) {
    PutVarint(out, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(s.ts_ms) -
                                               static_cast<uint64_t>(prev))));
    PutBigEndian64(out, std::bit_cast<uint64_t>(s.value));
    prev = s.ts_ms;
  }
}

// Reads what AppendSamples wrote into *out (cleared first).
bool GetSamples(std::string_view* in, std::vector<Sample>* out) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  out->clear();
  uint64_t ts = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta = 0;
    if (!GetVarint(in, &delta) || in->size() < 8) return false;
    ts += static_cast<uint64_t>(UnZigZag(delta));
    out->push_back({static_cast<int64_t>(ts), std::bit_cast<double>(GetBigEndian64(in->data()))});
    in->remove_prefix(8);
  }
  return true;
}

bool GetBytes(std::string_view* in, std::string_view* out) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint(out, bytes.size());
  out->append(bytes);
}

// Kind, u16 shard, varint seq.
void PutRecordHead(SeriesLogKind kind, uint32_t shard, uint64_t seq, std::string* out) {
  out->push_back(static_cast<char>(kind));
  out->push_back(static_cast<char>(shard >> 8));
  out->push_back(static_cast<char>(shard & 0xff));
  PutVarint(out, seq);
}

bool GetRecordHead(SeriesLogKind kind, std::string_view* in, uint32_t* shard, uint64_t* seq) {
  if (in->size() < 3 || static_cast<uint8_t>((*in)[0]) != static_cast<uint8_t>(kind)) return false;
  *shard =
      (static_cast<uint32_t>(static_cast<uint8_t>((*in)[1])) << 8) | static_cast<uint8_t>((*in)[2]);
  in->remove_prefix(3);
  return GetVarint(in, seq);
}

}  // namespace

void AppendHeadRecord(SeriesId series, std::span<const Sample> samples, std::string* record) {
  PutBigEndian64(record, series);
  AppendSamples(samples, record);
}

absl::Status ForEachHeadPart(std::string_view record,
                             const std::function<void(SeriesId, std::span<const Sample>)>& fn) {
  std::vector<Sample> samples;
  while (!record.empty()) {
    if (record.size() < 8) return absl::DataLossError("corrupt head record: truncated series id");
    SeriesId id = GetBigEndian64(record.data());
    record.remove_prefix(8);
    if (!GetSamples(&record, &samples)) {
      return absl::DataLossError("corrupt head record: truncated samples");
    }
    fn(id, samples);
  }
  return absl::OkStatus();
}

void AppendCreatedSeries(SeriesId id, std::string_view labels, std::string* created) {
  PutBigEndian64(created, id);
  PutBytes(labels, created);
}

void BeginSamplesRecord(uint32_t shard, uint64_t seq, const CommitCheck& check,
                        size_t created_count, std::string_view created, std::string* out) {
  PutRecordHead(SeriesLogKind::kSamples, shard, seq, out);
  out->push_back(static_cast<char>(check.kind));
  if (check.kind == CommitCheck::kAgentSeq) PutBytes(check.agent_id, out);
  if (check.kind != CommitCheck::kNone) PutVarint(out, check.value);
  PutVarint(out, created_count);
  out->append(created);
}

absl::Status DecodeSamplesRecord(std::string_view in, SamplesRecord* out) {
  auto bad = [](std::string_view what) {
    return absl::DataLossError(StrCat("malformed samples record: ", what));
  };
  if (!GetRecordHead(SeriesLogKind::kSamples, &in, &out->shard, &out->seq)) return bad("header");
  if (in.empty()) return bad("commit check");
  out->check = {};
  out->check.kind = static_cast<CommitCheck::Kind>(in[0]);
  in.remove_prefix(1);
  if (out->check.kind > CommitCheck::kMarker) return bad("commit check kind");
  if (out->check.kind == CommitCheck::kAgentSeq && !GetBytes(&in, &out->check.agent_id)) {
    return bad("agent id");
  }
  if (out->check.kind != CommitCheck::kNone && !GetVarint(&in, &out->check.value)) {
    return bad("commit check value");
  }
  uint64_t n = 0;
  if (!GetVarint(&in, &n) || n > in.size()) return bad("series count");
  out->created.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view labels;
    if (in.size() < 8) return bad("series id");
    SeriesId id = GetBigEndian64(in.data());
    in.remove_prefix(8);
    if (!GetBytes(&in, &labels)) return bad("series labels");
    out->created.emplace_back(id, labels);
  }
  out->parts = in;
  return absl::OkStatus();
}

void BeginCheckpointRecord(uint32_t shard, uint64_t seq, std::string* out) {
  PutRecordHead(SeriesLogKind::kCheckpoint, shard, seq, out);
}

void AppendCheckpointHead(SeriesId id, int64_t newest_ts, uint64_t newest_bits,
                          std::string_view chunk, std::span<const Sample> ooo, std::string* out) {
  PutBigEndian64(out, id);
  PutVarint(out, ZigZag(newest_ts));
  PutBigEndian64(out, newest_bits);
  PutBytes(chunk, out);
  AppendSamples(ooo, out);
}

absl::Status ForEachCheckpointHead(std::string_view in, uint32_t* shard, uint64_t* seq,
                                   const std::function<void(const CheckpointHead&)>& fn) {
  auto bad = [](std::string_view what) {
    return absl::DataLossError(StrCat("malformed checkpoint record: ", what));
  };
  if (!GetRecordHead(SeriesLogKind::kCheckpoint, &in, shard, seq)) return bad("header");
  CheckpointHead head;
  while (!in.empty()) {
    uint64_t newest = 0;
    if (in.size() < 8) return bad("series id");
    head.id = GetBigEndian64(in.data());
    in.remove_prefix(8);
    if (!GetVarint(&in, &newest) || in.size() < 8) return bad("newest sample");
    head.newest_ts = UnZigZag(newest);
    head.newest_bits = GetBigEndian64(in.data());
    in.remove_prefix(8);
    if (!GetBytes(&in, &head.chunk) || !GetSamples(&in, &head.ooo)) return bad("head samples");
    fn(head);
  }
  return absl::OkStatus();
}

}  // namespace vigie::store
