// The deploy store's records in RecordSpace::kEvents (docs/storage-format.md, "Records"):
//   key:   u64 big-endian time (Unix ms, sign bit flipped) | id (26 ASCII bytes)
//   value: u8 version = 1 | 8 × (varint length, bytes): id, service, environment, version,
//          commit, author, description, url | zigzag varint time | u8 has_end [| zigzag end]
// Keys sort by time, so a time range is a key range; the id breaks ties.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "alerts/alert.h"

namespace vigie::alerts::deploys {

// The first key at `time_ms`: a range bound.
std::string TimeKey(int64_t time_ms);
std::string DeployKey(const Deploy& deploy);

std::string EncodeDeploy(const Deploy& deploy);
// DataLoss naming what is wrong when `value` is not an encoded deploy.
absl::StatusOr<Deploy> DecodeDeploy(std::string_view value);

// A ULID (26 characters of Crockford's base32: 48 bits of `time_ms`, 80 random bits): unique
// without coordination, and sorting by time like the keys.
std::string NewDeployId(int64_t time_ms, absl::BitGenRef random);

}  // namespace vigie::alerts::deploys
