// GET /loki/api/v1/tail over WebSocket: Loki's live tail. The connection code upgrades the
// request and hands RunTail() a channel; this file knows nothing of sockets.
//
// Frames are Loki's: {"streams": [{"stream": {...}, "values": [["<ns>", "<line>"], ...]}],
// "dropped_entries": []}. When the follower's queue overflowed, vigie cannot name the dropped
// entries (it only counts them): the frame then also carries "dropped_count": <n>.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "query/logql/ast.h"
#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

struct TailPlan {
  logql::LogSelector selector;
  int64_t start_ns = 0;  // Backfill from here to now...
  uint32_t limit = 0;    // ...at most this many entries (the newest of them), oldest first.
};

// What the tail needs from the WebSocket connection.
class TailChannel {
 public:
  virtual ~TailChannel() = default;
  // Sends one text frame; false when it could not (the client is gone or too slow).
  virtual bool Send(const std::string& frame) = 0;
  // Consumes what the client sent, if anything, without waiting for more; false once the client
  // has closed the connection.
  virtual bool Alive() = 0;
};

// Reads query (a log query: selector and line filters), start (default: an hour ago) and limit
// (default 100); delay_for is accepted and ignored. The backfill is bounded as query_range is: a
// start further back than --max-query-range or a limit above --max-entries-per-query is refused.
// InvalidArgument naming the problem.
absl::StatusOr<TailPlan> ParseTailRequest(const Request& request, const HttpDeps& deps);

// Subscribes, sends the backfill, then every matching entry stored after the subscription, until
// the client leaves, a send fails or `stopping` becomes true (checked every 200 ms). An entry
// stored while the backfill runs may be sent twice (once in each part) rather than lost.
void RunTail(const TailPlan& plan, const HttpDeps& deps, TailChannel& channel,
             const std::atomic<bool>& stopping);

}  // namespace vigie::server::http
