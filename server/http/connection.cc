#include "server/http/connection.h"

#include "common/strings.h"

namespace vigie::server::http {

Request ToRequest(const BeastRequest& raw, std::string body) {
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
  request.content_type = std::string(ToStd(raw[http::field::content_type]));
  request.content_encoding = std::string(ToStd(raw[http::field::content_encoding]));
  request.org_id = std::string(ToStd(raw["X-Scope-OrgID"]));
  if (request.method == "POST" &&
      boost::beast::iequals(request.content_type.substr(0, request.content_type.find(';')),
                            "application/x-www-form-urlencoded")) {
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
