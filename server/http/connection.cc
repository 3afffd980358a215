#include "server/http/connection.h"

#include "common/strings.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

bool IsJsonObject(std::string_view body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '{';
}

// A header value's first token ("application/json" in "application/json; charset=utf-8").
bool TokenIs(std::string_view value, std::string_view token) {
  return EqualsIgnoreCase(value.substr(0, value.find(';')), token);
}

}  // namespace

std::variant<Request, Response> ToRequest(const BeastRequest& raw, std::string body,
                                          const InflateLimits& limits, const Router& router) {
  namespace http = boost::beast::http;
  Request request;
  request.method = std::string(ToStd(raw.method_string()));
  std::string_view target = ToStd(raw.target());
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    ParseQueryString(target.substr(question + 1), &request.params);
  }
  request.authorization = std::string(ToStd(raw[http::field::authorization]));
  request.accept_encoding = std::string(ToStd(raw[http::field::accept_encoding]));
  request.if_none_match = std::string(ToStd(raw[http::field::if_none_match]));
  request.content_type = std::string(ToStd(raw[http::field::content_type]));
  request.org_id = std::string(ToStd(raw["X-Scope-OrgID"]));
  std::string_view encoding = ToStd(raw[http::field::content_encoding]);
  encoding = encoding.substr(0, encoding.find_last_not_of(" \t") + 1);
  if (EqualsIgnoreCase(encoding, "gzip") || EqualsIgnoreCase(encoding, "x-gzip")) {
    absl::StatusOr<std::string> inflated = Gunzip(body, limits);
    if (absl::IsResourceExhausted(inflated.status())) return router.Busy();
    if (absl::IsOutOfRange(inflated.status())) {
      return JsonError(413, StatusMessage(inflated.status()));
    }
    if (!inflated.ok()) return JsonError(400, StatusMessage(inflated.status()));
    body = *std::move(inflated);
  } else if (!encoding.empty() && !EqualsIgnoreCase(encoding, "identity") &&
             !EqualsIgnoreCase(encoding, "snappy")) {
    return JsonError(415, StrCat("unsupported Content-Encoding \"", encoding.substr(0, 64),
                                 "\": send gzip, or no Content-Encoding"));
  }
  if (request.content_type.empty() && IsJsonObject(body)) {
    request.content_type = "application/json";
  }
  if (request.method == "POST" &&
      TokenIs(request.content_type, "application/x-www-form-urlencoded")) {
    ParseQueryString(body, &request.params);
  }
  request.body = std::move(body);
  return request;
}

std::optional<Response> ReadErrorResponse(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  // Socket and TLS errors, timeouts, and a client leaving between or in the middle of
  // requests end the connection silently; only a malformed request gets an answer.
  if (ec.category() != make_error_code(http::error::end_of_stream).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return std::nullopt;
  }
  if (ec == http::error::body_limit) return JsonError(413, "the request body is too large");
  if (ec == http::error::header_limit) {
    return JsonError(431, "the request header is too large");
  }
  return JsonError(400, StrCat("malformed HTTP request: ", ec.message()));
}

}  // namespace vigie::server::http
