// Serving the web UI's files (server/http/web_assets.h) on GET and HEAD, without a token: the
// page itself asks for one (docs/web.md). Every file is revalidated on each load (Cache-Control:
// no-cache with a strong ETag, so an unchanged file costs a 304) and sent gzipped when the
// client accepts gzip; the UI's state lives in the URL's fragment, so "/" is the only page.
#pragma once

#include <optional>
#include <span>

#include "server/http/request.h"
#include "server/http/web_assets.h"

namespace vigie::server::http {

// The answer for `request` when its path is one of `assets`' (405 for a method other than GET
// or HEAD); nullopt for any other path.
std::optional<Response> ServeWebAsset(const Request& request, std::span<const WebAsset> assets);

}  // namespace vigie::server::http
