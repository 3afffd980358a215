// Prometheus's HTTP query API under /api/v1/, as Prometheus 2.42 answers it (docs/http-api.md):
// query, query_range, series, labels, label/<name>/values, status/buildinfo, query_exemplars
// and format_query, by GET or form-encoded POST. Answers use Prometheus's envelope and error
// types (prom_json.h), so that Grafana's Prometheus data source and promtool work unchanged.
#pragma once

#include <optional>

#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

inline constexpr std::string_view kPromApiPrefix = "/api/v1/";

// Answers a request for one of the endpoints above (the caller has checked the method and the
// token); nullopt when `request.path` is none of them.
std::optional<Response> HandlePromApi(const Request& request, const HttpDeps& deps);

}  // namespace vigie::server::http
