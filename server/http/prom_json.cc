#include "server/http/prom_json.h"

#include "common/go_format.h"
#include "server/http/json_encode.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

// What Prometheus answers when the client went away (nginx's "client closed request").
constexpr unsigned kClientClosedRequest = 499;

nlohmann::json MatrixResult(const promql::Matrix& matrix) {
  nlohmann::json result = nlohmann::json::array();
  for (const promql::Series& s : matrix) {
    nlohmann::json values = nlohmann::json::array();
    for (const store::Sample& p : s.points) values.push_back(PromPoint(p.ts_ms, p.value));
    result.push_back({{"metric", LabelsJson(s.labels)}, {"values", std::move(values)}});
  }
  return result;
}

}  // namespace

PromErrorKind PromErrorKindFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return {"bad_data", 400};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
      return {"execution", 422};
    case absl::StatusCode::kDeadlineExceeded:
      return {"timeout", 503};
    case absl::StatusCode::kCancelled:
      return {"canceled", kClientClosedRequest};
    case absl::StatusCode::kNotFound:
      return {"not_found", 404};
    case absl::StatusCode::kUnavailable:
      return {"unavailable", 503};
    default:
      return {"internal", 500};
  }
}

Response PromError(const absl::Status& status) {
  PromErrorKind kind = PromErrorKindFor(status);
  return JsonResponse(
      {{"status", "error"}, {"errorType", kind.type}, {"error", StatusMessage(status)}},
      kind.status);
}

Response PromSuccess(nlohmann::json data, const std::vector<std::string>& warnings) {
  nlohmann::json body = {{"status", "success"}, {"data", std::move(data)}};
  if (!warnings.empty()) body["warnings"] = warnings;
  return JsonResponse(body);
}

nlohmann::json PromTimestamp(int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000;
}

nlohmann::json PromPoint(int64_t ms, double value) {
  return nlohmann::json::array({PromTimestamp(ms), FormatGoFloatFixed(value)});
}

nlohmann::json PromInstantData(const promql::Value& value) {
  switch (value.type) {
    case promql::ValueType::kScalar:
      return {{"resultType", "scalar"}, {"result", PromPoint(value.ts_ms, value.scalar)}};
    case promql::ValueType::kString:
      return {{"resultType", "string"},
              {"result", nlohmann::json::array({PromTimestamp(value.ts_ms), value.string})}};
    case promql::ValueType::kMatrix:
      return PromMatrixData(value.matrix);
    default: {
      nlohmann::json result = nlohmann::json::array();
      for (const promql::InstantSample& s : value.vector) {
        result.push_back(
            {{"metric", LabelsJson(s.labels)}, {"value", PromPoint(s.ts_ms, s.value)}});
      }
      return {{"resultType", "vector"}, {"result", std::move(result)}};
    }
  }
}

nlohmann::json PromMatrixData(const promql::Matrix& matrix) {
  return {{"resultType", "matrix"}, {"result", MatrixResult(matrix)}};
}

}  // namespace vigie::server::http
