// OTLP/HTTP (POST /v1/metrics, POST /v1/logs) as endpoints of vigied's HTTP servers: its own
// port (--otlp-http-listen, 127.0.0.1:4318 by default) and the main HTTP port.
//
// As the OTLP/HTTP specification says: the body is binary protobuf (Content-Type:
// application/x-protobuf) or OTLP/JSON (application/json), optionally gzip'ed
// (Content-Encoding: gzip, inflated by the server's connection); the answer is in the request's
// encoding: 200 with Export*ServiceResponse (its partial_success set when some points or records
// were refused, the others stored), 400 with a google.rpc.Status naming what was wrong when the
// body is malformed or refused whole, 415 for another content type, 413 beyond the body limit,
// 429 or 503 with Retry-After when vigied is over its in-flight budget or storing failed (the
// client retries). With tokens configured, the ingest scope is needed.
//
// Thread safety: the handlers are called concurrently.
#pragma once

#include <vector>

#include "server/http_server.h"
#include "server/otlp/receiver.h"

namespace vigie::server::otlp {

inline constexpr char kMetricsPath[] = "/v1/metrics";
inline constexpr char kLogsPath[] = "/v1/logs";

// `receiver` and `auth` are not owned and must outlive the endpoints. The body limit is Loki
// push's (MaxPushBodyBytes).
std::vector<HttpEndpoint> HttpEndpoints(Receiver* receiver, const Authorizer* auth,
                                        const Limits& limits);

}  // namespace vigie::server::otlp
