// Prometheus's rule endpoints over vigied's rule manager: GET /api/v1/rules (filters type,
// rule_name[], rule_group[], file[]), GET /api/v1/alerts, and POST/PUT /-/reload, in
// Prometheus's JSON shapes so that Grafana's Prometheus data source and scripts read them.
// docs/http-api.md describes them.
#pragma once

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "alerts/rules/group.h"
#include "server/http/request.h"
#include "server/http/response.h"
#include "server/http_server.h"

namespace vigie::server::http {

struct RulesApiDeps {
  // The groups now (RuleManager::Groups). Called from the server's threads.
  std::function<std::vector<alerts::rules::GroupStatus>()> groups;
  // Reloads the configuration (rule files, and what main.cc chains to it); the error lists what
  // was refused.
  std::function<absl::Status()> reload;
};

// The endpoints to append to HttpDeps::endpoints.
std::vector<HttpEndpoint> RulesEndpoints(RulesApiDeps deps);

// The handlers' bodies, for tests.
Response RulesResponse(const Request& request,
                       const std::vector<alerts::rules::GroupStatus>& groups);
Response AlertsResponse(const std::vector<alerts::rules::GroupStatus>& groups);
Response ReloadResponse(const absl::Status& status);

}  // namespace vigie::server::http
