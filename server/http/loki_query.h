// Loki's read endpoints: query_range, query, labels, label values and series. Each handler takes
// the parsed request (parameters from the URL or a form body) and returns the response in Loki's
// shapes; errors are plain text as Loki sends them (400 for a bad query or parameter or a
// limit, 504 when the query timed out).
#pragma once

#include <string_view>

#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

// GET|POST /loki/api/v1/query_range: query, start, end, since, limit, direction, step
// (interval is ignored). Log queries answer "streams", metric queries "matrix".
Response HandleQueryRange(const Request& request, const HttpDeps& deps);

// GET|POST /loki/api/v1/query: query, time, limit, direction. Metric queries answer "vector" at
// `time`; log queries answer "streams" from the hour before `time` (Loki 3 refuses them).
// Grafana's data source health check, vector(1)+vector(1), answers 2.
Response HandleInstantQuery(const Request& request, const HttpDeps& deps);

// GET|POST /loki/api/v1/labels and /loki/api/v1/label/<name>/values: start, end, since (the
// last 6 hours by default) and an optional `query` selector narrowing the streams.
Response HandleLabels(const Request& request, const HttpDeps& deps);
Response HandleLabelValues(const Request& request, const HttpDeps& deps, std::string_view name);

// GET|POST /loki/api/v1/series: match[] (one or more selectors), start, end, since.
Response HandleSeries(const Request& request, const HttpDeps& deps);

// GET /loki/api/v1/status/buildinfo
Response HandleBuildInfo();

}  // namespace vigie::server::http
