#include "server/http/response.h"

#include "common/strings.h"
#include "server/http/json_encode.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

Response JsonResponse(const nlohmann::json& body, unsigned status) {
  return {status, "application/json; charset=utf-8", DumpJson(body)};
}

Response TextResponse(unsigned status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text)};
}

namespace {

std::string_view ErrorType(unsigned status) {
  switch (status) {
    case 400:
      return "bad_data";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
    case 431:
      return "too_large";
    case 429:
      return "too_many_requests";
    case 503:
      return "unavailable";
    case 504:
      return "timeout";
    default:
      return status >= 500 ? "internal" : "bad_data";
  }
}

}  // namespace

Response JsonError(unsigned status, std::string_view message) {
  return JsonResponse({{"status", "error"},
                       {"errorType", ErrorType(status)},
                       {"error", message},
                       {"message", message}},
                      status);
}

Response TooManyRequests(std::string_view message, int retry_after_seconds) {
  Response response = JsonError(429, message);
  response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

unsigned HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:  // vigied stopping, or the client closed its side.
      return 503;
    default:
      return 500;
  }
}

Response StatusError(const absl::Status& status) {
  return JsonError(HttpStatusFor(status), StatusMessage(status));
}

}  // namespace vigie::server::http
