// The HTTP request and response as the handlers see them: no Beast types, so that handlers are
// plain functions that unit tests can call directly.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::server::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // The target without its query string, not percent-decoded.
  // The query string's parameters, then those of an application/x-www-form-urlencoded body,
  // percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> params;
  std::string authorization;
  std::string accept_encoding;  // For the web UI's files, sent gzipped when accepted.
  std::string if_none_match;    // For the web UI's files: their ETags.
  std::string content_type;     // application/json when absent and the body is a JSON object.
  std::string org_id;           // X-Scope-OrgID: the tenant a Loki client names.
  std::string peer;             // The client's IP address ("" in unit tests).
  std::string body;             // Decoded from its Content-Encoding.
  // Polled by long handlers (queries): true once the client has gone away or the server is
  // stopping, so that the work can stop. Empty in unit tests: never.
  std::function<bool()> client_gone;
  // Takes n more bytes from the server's in-flight request budget, before a handler allocates
  // them to decode the body; false when the budget is full (the answer is then Router::Busy()).
  // Empty in unit tests: always granted.
  std::function<bool(size_t n)> reserve;

  // The first value of parameter `name`; nullopt when absent. An empty value reads as absent,
  // as in Loki (`start=` means "use the default").
  std::optional<std::string_view> Param(std::string_view name) const;
  // Every non-empty value of `name` (for repeated parameters such as match[]).
  std::vector<std::string_view> Params(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type;  // Empty for a body-less response (204).
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // Beyond Content-Type, Server.
};

// Appends the parameters of a query string or form body ("a=1&b=x%20y+z") to `params`:
// percent-decoded, '+' read as a space. Malformed escapes are kept literally (never fails).
void ParseQueryString(std::string_view text,
                      std::vector<std::pair<std::string, std::string>>* params);

// Percent-decodes `text` ('+' is kept: paths do not use it for spaces).
std::string PercentDecode(std::string_view text);

}  // namespace vigie::server::http
