#include "cli/http_url.h"

namespace vigie::cli {

std::optional<HttpUrl> ParseHttpUrl(std::string_view text) {
  HttpUrl url;
  if (text.starts_with("https://")) {
    url.tls = true;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const size_t slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  size_t colon = authority.rfind(':');
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1
                                                                        : std::string_view::npos;
    if (colon == std::string_view::npos && close + 1 < authority.size()) return std::nullopt;
  } else {
    url.host = std::string(authority.substr(0, colon));
  }
  url.port = colon == std::string_view::npos ? (url.tls ? "443" : "80")
                                             : std::string(authority.substr(colon + 1));
  if (url.host.empty() || url.port.empty()) return std::nullopt;
  return url;
}

}  // namespace vigie::cli
