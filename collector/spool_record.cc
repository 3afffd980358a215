#include "collector/spool_record.h"

#include "common/varint.h"
#include "xxhash.h"

namespace vigie::collector {

std::string EncodeSpoolRecord(const SpoolBatch& batch, uint32_t* request_offset) {
  std::string out(kSpoolHeaderBytes, '\0');
  PutVarint(&out, batch.seq);
  PutVarint(&out, batch.entries);
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
  uint64_t count = 0;
  if (!GetVarint(&in, &head->seq) || !GetVarint(&in, &head->entries) || !GetVarint(&in, &count) ||
      count > in.size()) {
    return 0;
  }
  head->cursors.resize(count);
  for (FileCursor& c : head->cursors) {
    if (!DecodeCursor(&in, &c)) return 0;
  }
  head->request_offset = static_cast<uint32_t>(payload.size() - in.size());
  return kSpoolHeaderBytes + length;
}

}  // namespace vigie::collector
