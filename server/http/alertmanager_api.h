// Alertmanager's API v2 over vigied's dispatcher and silences, so that amtool, Grafana's
// Alertmanager data source and Prometheus (as a sender) work against vigied:
//   GET/POST /api/v2/alerts, GET /api/v2/alerts/groups, GET/POST /api/v2/silences,
//   GET/DELETE /api/v2/silence/{id}, GET /api/v2/status, GET /api/v2/receivers.
// Bodies are Alertmanager 0.25's OpenAPI shapes (docs/http-api.md, "Alertmanager API").
#pragma once

#include <string>
#include <vector>

#include "alerts/dispatch/service.h"
#include "server/http_server.h"

namespace vigie::server {

struct AlertmanagerApiDeps {
  alerts::DispatchService* service = nullptr;  // Not owned; outlives the server.
  std::string version;  // vigie's, as versionInfo.revision (version is the API's: 0.25.0).
};

// The endpoints to append to HttpDeps::endpoints. Reading needs the query scope; posting
// alerts the ingest scope; creating and expiring silences the admin scope.
std::vector<HttpEndpoint> AlertmanagerEndpoints(AlertmanagerApiDeps deps);

}  // namespace vigie::server
