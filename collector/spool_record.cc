#include "collector/spool_record.h"

#include "common/varint.h"
#include "vigie/v1/ingest.pb.h"
#include "xxhash.h"

namespace vigie::collector {

namespace {

// A version 1 record holds the sum of its entries and samples: its request tells them apart.
void CountVersion1(std::string_view request, uint64_t sum, SpoolRecordHead* head) {
  head->entries = sum;
  head->samples = 0;
  v1::PushRequest parsed;
  if (!parsed.ParseFromArray(request.data(), static_cast<int>(request.size()))) return;
  head->entries = 0;
  for (const v1::Stream& stream : parsed.streams()) head->entries += stream.entries_size();
  for (const v1::Series& series : parsed.series()) head->samples += series.samples_size();
}

}  // namespace

std::string EncodeSpoolRecord(const SpoolBatch& batch, uint32_t* request_offset) {
  std::string out(kSpoolHeaderBytes, '\0');
  PutVarint(&out, 0);  // Not a seq: a versioned payload.
  PutVarint(&out, kSpoolRecordVersion);
  PutVarint(&out, batch.seq);
  PutVarint(&out, batch.entries);
  PutVarint(&out, batch.samples);
  PutVarint(&out, batch.cursors.size());
  for (const FileCursor& c : batch.cursors) EncodeCursor(c, &out);
  *request_offset = static_cast<uint32_t>(out.size() - kSpoolHeaderBytes);
  out.append(batch.request);
  size_t payload = out.size() - kSpoolHeaderBytes;
  std::string header;
  PutBigEndian32(&header, static_cast<uint32_t>(payload));
  PutBigEndian64(&header, XXH3_64bits(out.data() + kSpoolHeaderBytes, payload));
  out.replace(0, kSpoolHeaderBytes, header);
  return out;
}

size_t DecodeSpoolRecord(std::string_view bytes, SpoolRecordHead* head) {
  if (bytes.size() < kSpoolHeaderBytes) return 0;
  uint32_t length = GetBigEndian32(bytes.data());
  if (bytes.size() - kSpoolHeaderBytes < length) return 0;
  std::string_view payload = bytes.substr(kSpoolHeaderBytes, length);
  if (XXH3_64bits(payload.data(), payload.size()) != GetBigEndian64(bytes.data() + 4)) return 0;
  std::string_view in = payload;
  uint64_t first = 0;
  if (!GetVarint(&in, &first)) return 0;
  head->version = 1;
  if (first == 0) {
    if (!GetVarint(&in, &head->version) || head->version < 2) return 0;
    if (head->version > kSpoolRecordVersion) return kSpoolHeaderBytes + length;
    if (!GetVarint(&in, &head->seq)) return 0;
  } else {
    head->seq = first;
  }
  uint64_t count = 0;
  if (!GetVarint(&in, &head->entries) || (head->version >= 2 && !GetVarint(&in, &head->samples)) ||
      !GetVarint(&in, &count) || count > in.size()) {
    return 0;
  }
  head->cursors.resize(count);
  for (FileCursor& c : head->cursors) {
    if (!DecodeCursor(&in, &c)) return 0;
  }
  head->request_offset = static_cast<uint32_t>(payload.size() - in.size());
  if (head->version == 1) CountVersion1(in, head->entries, head);
  return kSpoolHeaderBytes + length;
}

}  // namespace vigie::collector
