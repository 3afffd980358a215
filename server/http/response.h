// Building responses: JSON success bodies, and errors in the two forms the API uses.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "server/http/request.h"

namespace vigie::server::http {

Response JsonResponse(const nlohmann::json& body, unsigned status = 200);
Response TextResponse(unsigned status, std::string text);

// {"status":"error","error":"<message>"}: push, authentication and other non-query errors.
Response JsonError(unsigned status, std::string_view message);

// The HTTP status for a failed operation: InvalidArgument and OutOfRange 400, Unauthenticated
// 401, PermissionDenied 403, NotFound 404, ResourceExhausted 429, DeadlineExceeded 504,
// Unavailable 503, anything else 500.
unsigned HttpStatusFor(const absl::Status& status);

// A query error as Loki sends it: the message as plain text, so that Grafana shows it as is.
Response QueryError(const absl::Status& status);

}  // namespace vigie::server::http
