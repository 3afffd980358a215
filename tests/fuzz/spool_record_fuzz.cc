// Fuzzes the spool record decoder on payloads behind a valid header (a checksum that does not
// match stops random bytes at once): no crash, no read outside the input, the request starts
// inside the payload, and a decoded record encodes back to one that decodes the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "collector/spool_record.h"
#include "common/varint.h"
#include "xxhash.h"

namespace vigie::collector {
namespace {

std::string Framed(std::string_view payload) {
  std::string record;
  PutBigEndian32(&record, static_cast<uint32_t>(payload.size()));
  PutBigEndian64(&record, XXH3_64bits(payload.data(), payload.size()));
  record.append(payload);
  return record;
}

bool SameCursors(const std::vector<FileCursor>& a, const std::vector<FileCursor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key.dev != b[i].key.dev || a[i].key.ino != b[i].key.ino ||
        a[i].offset != b[i].offset || a[i].path != b[i].path || a[i].forget != b[i].forget) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace vigie::collector

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::collector;
  std::string record = Framed(std::string_view(reinterpret_cast<const char*>(data), size));
  SpoolRecordHead head;
  size_t length = DecodeSpoolRecord(record, &head);
  if (length == 0) return 0;
  if (length != record.size()) abort();
  if (head.version > kSpoolRecordVersion) return 0;
  if (kSpoolHeaderBytes + head.request_offset > record.size()) abort();
  SpoolBatch batch{head.seq, head.entries, head.samples,
                   record.substr(kSpoolHeaderBytes + head.request_offset), head.cursors};
  uint32_t request_offset = 0;
  std::string again = EncodeSpoolRecord(batch, &request_offset);
  SpoolRecordHead decoded;
  if (DecodeSpoolRecord(again, &decoded) != again.size()) abort();
  // A version 1 record's counts come from its request, and stay what they were.
  if (decoded.version != kSpoolRecordVersion || decoded.seq != head.seq ||
      decoded.entries != head.entries || decoded.samples != head.samples ||
      !SameCursors(decoded.cursors, head.cursors) ||
      again.substr(kSpoolHeaderBytes + decoded.request_offset) != batch.request) {
    abort();
  }
  return 0;
}
