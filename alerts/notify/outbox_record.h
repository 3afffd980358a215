// The outbox's records in RecordSpace::kOutbox (docs/storage-format.md, "Records"):
//   "q" + 8-byte big-endian sequence number -> a queued request
//   "f" + 8-byte big-endian sequence number -> a dead letter
// Sequence numbers grow with each request enqueued, so each list reads oldest first. The value
// is a JSON object: the request as rendered (URL, headers, body, transport) and its delivery
// state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "alerts/notify/http_sender.h"

namespace vigie::alerts::notify {

struct OutboxEntry {
  uint64_t seq = 0;
  std::string receiver;
  std::string integration;  // "slack[0]"
  std::string group_key;
  int64_t created_ms = 0;
  int64_t attempts = 0;
  std::string last_error;
  int status_code = 0;  // Of the last answer; 0: none yet, or no answer.
  HttpRequest request;
};

inline constexpr char kQueuedPrefix = 'q';
inline constexpr char kFailedPrefix = 'f';

std::string OutboxKey(char prefix, uint64_t seq);
// The sequence number of a key written by OutboxKey; nullopt for a key of another shape.
std::optional<uint64_t> OutboxKeySeq(std::string_view key);

std::string EncodeOutboxEntry(const OutboxEntry& entry);
// Fails on a value that is not a JSON object of the shape EncodeOutboxEntry writes.
absl::StatusOr<OutboxEntry> DecodeOutboxEntry(uint64_t seq, std::string_view value);

}  // namespace vigie::alerts::notify
