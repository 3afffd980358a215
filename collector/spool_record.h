// The record format of the spool's segment files:
//   u32 payload length | u64 XXH3 of the payload | payload
// Big-endian fixed-width fields, LEB128 varints (common/varint.h). The payload has two versions
// (docs/collector.md, "State directory"):
//   version 2 = varint 0 | varint 2 | varint seq | varint entries | varint samples |
//               varint cursor count | cursors | PushRequest bytes
//   version 1 = varint seq | varint entries and samples | varint cursor count | cursors |
//               PushRequest bytes
// A seq is never 0, so a leading 0 tells a versioned payload from a version 1 one. Records of
// both versions may share a segment (a spool left by an older collector, appended to by this
// one).
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
  uint64_t entries = 0;  // Log entries.
  uint64_t samples = 0;  // Metric samples.
  std::string request;   // A serialized vigie.v1.PushRequest.
  std::vector<FileCursor> cursors;
};

constexpr size_t kSpoolHeaderBytes = 12;
// The version EncodeSpoolRecord writes, and the newest DecodeSpoolRecord reads.
constexpr uint64_t kSpoolRecordVersion = 2;
// Segment files are named <seq of their first record, 20 digits> + this.
constexpr std::string_view kSpoolSegmentSuffix = ".spool";

// A record's fields before its request bytes.
struct SpoolRecordHead {
  uint64_t version = 0;
  uint64_t seq = 0;
  uint64_t entries = 0;
  uint64_t samples = 0;
  std::vector<FileCursor> cursors;
  uint32_t request_offset = 0;  // Where the request bytes start, within the payload.
};

// The whole record for `batch`; `*request_offset` as in SpoolRecordHead.
std::string EncodeSpoolRecord(const SpoolBatch& batch, uint32_t* request_offset);

// Checks the record at the front of `bytes` (complete, checksum, head) and decodes its head.
// Returns the record's length, or 0 when it is incomplete or corrupt. A version 1 record's
// entries and samples are counted in its PushRequest (the record holds only their sum; all
// entries if the request does not parse). A record of a version above kSpoolRecordVersion (a
// newer collector's) has its length returned and only head->version set.
size_t DecodeSpoolRecord(std::string_view bytes, SpoolRecordHead* head);

}  // namespace vigie::collector
