// One HTTP/1.1 request from the CLI to vigied's HTTP API, on Beast: http://, or https:// with the
// peer's certificate and host name verified (against request.transport.ca_file, else the
// system's roots). No proxy and no redirect: the CLI talks to vigied itself. On Beast rather than
// libcurl so that the CLI does not load libcurl's thirty shared objects at every start.
//
// Thread safety: each call is independent.
#pragma once

#include <chrono>

#include "alerts/notify/http_sender.h"

namespace vigie::cli {

// Sends `request` and reads the whole answer within `timeout` (connection included). A result
// with status 0 says in `error` what failed (a bad URL, DNS, connection, TLS, the deadline).
alerts::notify::HttpResult SendHttp(const alerts::notify::HttpRequest& request,
                                    std::chrono::milliseconds timeout);

}  // namespace vigie::cli
