// The URLs the CLI's HTTP requests go to (http_request.h), split into what a connection needs.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigie::cli {

struct HttpUrl {
  bool tls = false;    // https://
  std::string host;    // A name, an IPv4 address, or an IPv6 one without its brackets.
  std::string port;    // As written, or 80 / 443.
  std::string target;  // The path with its query string; "/" when the URL has none.
};

// Splits scheme://host[:port][/path?query] (http or https; an IPv6 host in brackets). nullopt
// for another scheme, an empty host or port, or an unclosed bracket.
std::optional<HttpUrl> ParseHttpUrl(std::string_view text);

}  // namespace vigie::cli
