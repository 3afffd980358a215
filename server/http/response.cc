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

Response JsonError(unsigned status, std::string_view message) {
  return JsonResponse({{"status", "error"}, {"error", message}}, status);
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

Response QueryError(const absl::Status& status) {
  return TextResponse(HttpStatusFor(status), StrCat(StatusMessage(status), "\n"));
}

}  // namespace vigie::server::http
