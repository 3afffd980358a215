// The web UI's files (web/, docs/web.md), as vigied serves them: built by esbuild at build time
// and embedded in the binary by a generated source (build/web/web_assets.cc, which only vigied
// links), so that one binary serves the UI with no file beside it and no network.
#pragma once

#include <span>
#include <string_view>

namespace vigie::server::http {

struct WebAsset {
  std::string_view path;          // "/" for index.html, "/assets/app.js", ...
  std::string_view content_type;  // "text/javascript; charset=utf-8", ...
  std::string_view body;
  std::string_view gzip_body;  // The same bytes gzipped at build time (gzip -9).
  std::string_view etag;       // A strong ETag: a hash of `body`, quoted.
};

// The files embedded at build time. Static storage; thread-safe.
std::span<const WebAsset> EmbeddedWebAssets();

}  // namespace vigie::server::http
