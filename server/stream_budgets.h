// Per-sender stream budgets: how many distinct streams (or, in a second instance, metric series)
// one sender may be writing to at once, so that one client inventing labels cannot exhaust
// vigied's index for everyone else.
//
// A sender is whoever the protocol can tell apart (the Ingester's ReceivedBatch::sender): the
// agent of a gRPC push, the token, X-Scope-OrgID or peer address of a Loki push
// (docs/operations.md, "Stream budgets"). A stream counts against its sender's budget until it
// has had no entry from that sender for `stream_idle_ns`; a sender with no such stream is
// forgotten. At most `max_senders` senders are tracked at once.
//
// Memory: about 50 bytes per (sender, active stream), at most max_senders ×
// max_streams_per_sender of them.
//
// Thread safety: Admit() may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/limits.h"

namespace vigie::server {

class StreamBudgets {
 public:
  // What is budgeted: log streams (--max-streams-per-sender) or metric series
  // (--max-series-per-sender). Both expire after --stream-idle-timeout.
  enum class Kind { kStreams, kSeries };

  explicit StreamBudgets(const Limits& limits, Kind kind = Kind::kStreams);

  // Records that `sender` writes to `stream_id` at `now_ns`. ResourceExhausted, naming the full
  // budget (as `sender_name`) and its flag, when that is a new stream for a sender already at
  // its limit, or a new sender while max_senders are active.
  absl::Status Admit(const std::string& sender, std::string_view sender_name, uint64_t stream_id,
                     int64_t now_ns);
  // Admit for each of `stream_ids` (under one lock): *refused receives the index and status of
  // each one refused.
  void AdmitAll(const std::string& sender, std::string_view sender_name,
                std::span<const uint64_t> stream_ids, int64_t now_ns,
                std::vector<std::pair<size_t, absl::Status>>* refused);

 private:
  struct Sender {
    // By stream id. A flat map: a sender may hold 100,000s of series, each looked up per sample
    // batch.
    absl::flat_hash_map<uint64_t, int64_t> last_write;
    int64_t next_expiry_ns = 0;  // No stream expires before this (a lower bound).
  };
  // The budget of `sender` (made when there is room for one more sender, after the periodic
  // sweep), or ResourceExhausted when there is none. The pointer is valid until the next call.
  absl::StatusOr<Sender*> SenderLocked(const std::string& sender, std::string_view sender_name,
                                       int64_t now_ns);
  absl::Status AdmitLocked(Sender& s, std::string_view sender_name, uint64_t stream_id,
                           int64_t now_ns);
  // Forgets the streams of `sender` idle at `now_ns`.
  void ExpireLocked(Sender& sender, int64_t now_ns);
  // The same for every sender, forgetting those left with no stream.
  void ExpireAllLocked(int64_t now_ns);

  const std::string_view noun_;  // "streams" or "series", in messages.
  const std::string_view flag_;
  const uint32_t max_streams_;
  const int64_t idle_ns_;
  const uint32_t max_senders_;
  std::mutex mu_;
  std::unordered_map<std::string, Sender> senders_;
  int64_t next_sweep_ns_ = 0;
};

}  // namespace vigie::server
