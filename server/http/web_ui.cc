#include "server/http/web_ui.h"

#include "common/strings.h"
#include "server/http/response.h"

namespace vigie::server::http {

namespace {

// The UI loads only its own files and talks only to this server (fetch and the tail's
// WebSocket); uPlot sets style attributes, hence 'unsafe-inline' for styles alone.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'";

// Whether an Accept-Encoding value accepts gzip ("gzip, deflate, br"; "gzip;q=0" refuses it).
bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? "" : accept_encoding.substr(comma + 1);
    size_t semicolon = item.find(';');
    std::string_view coding = TrimAsciiSpace(item.substr(0, semicolon));
    if (!EqualsIgnoreCase(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view q = TrimAsciiSpace(item.substr(semicolon + 1));
    // q=0, q=0.0, q=0.000 refuse; any other weight accepts.
    return !(q.starts_with("q=0") && q.find_first_not_of("0.", 2) == std::string_view::npos);
  }
  return false;
}

// Whether an If-None-Match value lists `etag` (or is "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view tag = TrimAsciiSpace(if_none_match.substr(0, comma));
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // Weak comparison, as RFC 9110 asks.
    if (tag == etag || tag == "*") return true;
    if_none_match = comma == std::string_view::npos ? "" : if_none_match.substr(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<Response> ServeWebAsset(const Request& request, std::span<const WebAsset> assets) {
  const WebAsset* asset = nullptr;
  for (const WebAsset& a : assets) {
    if (a.path == request.path) asset = &a;
  }
  if (asset == nullptr) return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    Response response = JsonError(405, StrCat("method ", request.method.substr(0, 16),
                                              " not allowed on ", asset->path, ": use GET, HEAD"));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  Response response{200, std::string(asset->content_type), ""};
  response.headers = {{"ETag", std::string(asset->etag)},
                      {"Cache-Control", "no-cache"},
                      {"Vary", "Accept-Encoding"},
                      {"X-Content-Type-Options", "nosniff"}};
  if (asset->path == "/") {
    response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (Matches(request.if_none_match, asset->etag)) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  if (AcceptsGzip(request.accept_encoding) && !asset->gzip_body.empty()) {
    response.body = std::string(asset->gzip_body);
    response.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    response.body = std::string(asset->body);
  }
  return response;
}

}  // namespace vigie::server::http
