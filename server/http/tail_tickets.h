// One-use tickets for the live tail from a browser. A browser's WebSocket cannot send an
// Authorization header, so with tokens on, the web UI first asks POST /api/v1/tail/ticket with
// its bearer token (scope query) and opens /loki/api/v1/tail?ticket=<ticket> (docs/web.md). A
// ticket is 128 random bits, valid for kTicketLifetime, good for one upgrade: a ticket that
// leaks in a log is useless by the time anyone reads it.
//
// Thread safety: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigie::server::http {

inline constexpr std::string_view kTailTicketPath = "/api/v1/tail/ticket";

class TailTickets {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kTicketLifetime{30};
  // Tickets outstanding at once; issuing beyond drops the oldest first (a client that asks
  // without connecting cannot grow the table).
  static constexpr size_t kMaxOutstanding = 1024;

  // A new ticket, valid until now + kTicketLifetime.
  std::string Issue(Clock::time_point now = Clock::now());
  // True, once, for a ticket issued and not yet expired or redeemed.
  bool Redeem(std::string_view ticket, Clock::time_point now = Clock::now());

 private:
  void DropExpired(Clock::time_point now);  // Holds mu_.

  std::mutex mu_;
  std::unordered_map<std::string, Clock::time_point> expiry_;  // Guarded by mu_.
};

}  // namespace vigie::server::http
