// Building responses: JSON success bodies, and errors.
//
// Every error answer is JSON, in the shape of Prometheus's HTTP API, with the message also under
// "message", the key Grafana's Loki data source shows:
//   {"status":"error","errorType":"bad_data","error":"<message>","message":"<message>"}
// (Loki itself answers query errors in plain text; a JSON body is what scripts can parse.)
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "server/http/request.h"

namespace vigie::server::http {

Response JsonResponse(const nlohmann::json& body, unsigned status = 200);
Response TextResponse(unsigned status, std::string text);

// The error answer above; errorType is named after `status` (bad_data for 400, not_found,
// too_many_requests, internal, ...).
Response JsonError(unsigned status, std::string_view message);

// 429 with Retry-After: `retry_after_seconds`, for a server over its in-flight request budget.
Response TooManyRequests(std::string_view message, int retry_after_seconds);

// The HTTP status for a failed operation: InvalidArgument and OutOfRange 400, Unauthenticated
// 401, PermissionDenied 403, NotFound 404, ResourceExhausted 429, DeadlineExceeded 504,
// Unavailable 503, anything else 500.
unsigned HttpStatusFor(const absl::Status& status);

// The error answer for a failed operation: JsonError(HttpStatusFor(status), its message).
Response StatusError(const absl::Status& status);

}  // namespace vigie::server::http
