// Prometheus's side of the HTTP port that feeds the store: remote_write 1.0 in
// (POST /api/v1/write) and the metric metadata it carries out (GET /api/v1/metadata).
//
// Answers to a remote_write, as the spec asks (docs/http-api.md, "Prometheus remote_write"):
//  - 204 when every sample was stored;
//  - 400 with the reason when the body is malformed, too many samples, or any series invalid
//    (labels, metric name, limits): then nothing of the request is stored;
//  - 400 too when some samples were refused on their own (out of the accepted time window, out
//    of order beyond the store's window, another value at a stored timestamp, the sender's
//    series budget): the others are stored, and the error names how many and the first reasons.
//    A sender drops a batch it gets a 4xx for, and resending it would not help;
//  - 413 when it is larger than the limits; 429 (budget) and 5xx (storage) when a retry helps.
#pragma once

#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

Response HandleRemoteWrite(const Request& request, const HttpDeps& deps);

// Prometheus's format: {"status":"success","data":{"<metric>":[{"type":..,"help":..,
// "unit":..}]}}; parameters `limit` (most metrics) and `metric` (only that one).
Response HandleMetadata(const Request& request, const HttpDeps& deps);

}  // namespace vigie::server::http
