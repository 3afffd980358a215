// Prometheus's HTTP API envelope and result shapes, as Prometheus 2.42 writes them:
//   {"status":"success","data":...,"warnings":[...]}        (warnings only when there are some)
//   {"status":"error","errorType":"bad_data","error":"..."}
// Sample values are strings ("1.5", "NaN", "+Inf", "-Inf"), timestamps Unix seconds as JSON
// numbers with up to millisecond fractions (1700000000.123).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "query/promql/engine.h"
#include "server/http/request.h"

namespace vigie::server::http {

// Prometheus's errorType and HTTP status for a failed operation, following the error codes of
// query/promql/engine.h: InvalidArgument bad_data 400, FailedPrecondition and ResourceExhausted
// execution 422, DeadlineExceeded timeout 503, Cancelled canceled 499, NotFound not_found 404,
// Unavailable unavailable 503, anything else internal 500.
struct PromErrorKind {
  std::string_view type;
  unsigned status;
};
PromErrorKind PromErrorKindFor(const absl::Status& status);

// The error envelope for `status` (which must not be OK).
Response PromError(const absl::Status& status);

// {"status":"success","data":data} and "warnings" when not empty.
Response PromSuccess(nlohmann::json data, const std::vector<std::string>& warnings = {});

// A time in milliseconds as Prometheus writes it: whole seconds as an integer, else seconds
// with the milliseconds as a fraction.
nlohmann::json PromTimestamp(int64_t ms);

// [<time>, "<value>"]
nlohmann::json PromPoint(int64_t ms, double value);

// {"resultType": "vector"|"scalar"|"string"|"matrix", "result": ...} of an instant query.
nlohmann::json PromInstantData(const promql::Value& value);

// {"resultType": "matrix", "result": [{"metric": {...}, "values": [[t, "v"], ...]}, ...]}.
nlohmann::json PromMatrixData(const promql::Matrix& matrix);

}  // namespace vigie::server::http
