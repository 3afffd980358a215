// The record format of the spool's segment files:
//   u32 payload length | u64 XXH3 of the payload | payload
//   payload = varint seq | varint entries | varint cursor count | cursors | PushRequest bytes
// Big-endian fixed-width fields, LEB128 varints (common/varint.h).
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/cursor.h"

namespace vigie::collector {

// A closed batch, as the batcher hands it to the spool.
struct SpoolBatch {
  uint64_t seq = 0;
  uint64_t entries = 0;
  std::string request;  // A serialized vigie.v1.PushRequest.
  std::vector<FileCursor> cursors;
};

constexpr size_t kSpoolHeaderBytes = 12;
// Segment files are named <seq of their first record, 20 digits> + this.
constexpr std::string_view kSpoolSegmentSuffix = ".spool";

// A record's fields before its request bytes.
struct SpoolRecordHead {
  uint64_t seq = 0;
  uint64_t entries = 0;
  std::vector<FileCursor> cursors;
  uint32_t request_offset = 0;  // Where the request bytes start, within the payload.
};

// The whole record for `batch`; `*request_offset` as in SpoolRecordHead.
std::string EncodeSpoolRecord(const SpoolBatch& batch, uint32_t* request_offset);

// Checks the record at the front of `bytes` (complete, checksum, head) and decodes its head.
// Returns the record's length, or 0 when it is incomplete or corrupt.
size_t DecodeSpoolRecord(std::string_view bytes, SpoolRecordHead* head);

}  // namespace vigie::collector
