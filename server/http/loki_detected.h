// Loki's detected fields, which Grafana's Logs Drilldown lists as the fields it can filter a
// service's logs on: the labels that `| json` (or, for lines that are not JSON, `| logfmt`)
// would extract from the most recent lines of a log query, and those the query's own parsers
// extracted, with their type and number of distinct values.
#pragma once

#include <string_view>

#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

// GET|POST /loki/api/v1/detected_fields: query (a log query), start, end, since (the last hour),
// line_limit (the newest lines read, 1000), limit (fields returned, 1000). Answers
// {"fields": [{"label", "type", "cardinality", "parsers"}], "limit": N}.
Response HandleDetectedFields(const Request& request, const HttpDeps& deps);

// GET|POST /loki/api/v1/detected_field/<name>/values: the same parameters; {"values": [...]},
// the distinct values of that field in those lines, sorted.
Response HandleDetectedFieldValues(const Request& request, const HttpDeps& deps,
                                   std::string_view name);

}  // namespace vigie::server::http
