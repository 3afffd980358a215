// The deploy events' HTTP API (docs/http-api.md, "Deploys"):
//   POST /api/v1/deploys  (scope ingest)  records one; answers {"status":"success","data":{...}}
//   GET  /api/v1/deploys  (scope query)   lists them, newest first: start, end (Prometheus's
//        times; default: all), service, environment, version, commit, author, limit.
#pragma once

#include <vector>

#include "alerts/deploys/deploy_store.h"
#include "server/http_server.h"

namespace vigie::server {

// The endpoints over `deploys` (not owned; must outlive the server), for HttpDeps::endpoints.
std::vector<HttpEndpoint> DeployEndpoints(alerts::deploys::DeployStore* deploys);

}  // namespace vigie::server
