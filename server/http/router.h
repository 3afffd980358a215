// Maps requests to handlers and enforces authentication: every endpoint but the web UI's files,
// /healthz, /readyz, /ready and /metrics needs a bearer token with the endpoint's scope (push:
// ingest; queries, labels and tail: query) when tokens are configured. The tail also takes a
// one-use ticket (server/http/tail_tickets.h) instead of the header, for browsers.
//
// Thread safety: immutable after construction but for the tickets (thread-safe); Handle() may
// run on many threads at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "server/http/loki_tail.h"
#include "server/http/request.h"
#include "server/http/tail_tickets.h"
#include "server/http_server.h"
#include "server/request_budget.h"

namespace vigie::server::http {

inline constexpr std::string_view kTailPath = "/loki/api/v1/tail";

class Router {
 public:
  explicit Router(HttpDeps deps) : deps_(std::move(deps)) {}

  // The largest body accepted for a request to `path` (413 beyond).
  uint64_t BodyLimit(std::string_view path) const;

  // Authorises and answers a request (not a WebSocket upgrade). 404 for an unknown path, 405
  // (with Allow) for a method the endpoint does not take. HEAD is answered as GET.
  Response Handle(const Request& request) const;

  // A reservation in the server's in-flight request budget (one that grants everything when
  // the server has no budget, as in unit tests).
  RequestBudget::Reservation NewReservation() const;
  // The answer when the budget is full: 429 with Retry-After.
  Response Busy() const;

  // For a WebSocket upgrade of kTailPath: the tail to run, or the response refusing it.
  std::variant<TailPlan, Response> PrepareTail(const Request& request) const;

  const HttpDeps& deps() const { return deps_; }

 private:
  HttpDeps deps_;
  mutable TailTickets tickets_;
};

}  // namespace vigie::server::http
