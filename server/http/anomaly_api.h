// POST /api/v1/anomaly/backfill: learns an anomaly rule's detectors from the stored history of
// its expression at once (RuleManager::Backfill), for `vigie anomaly backfill`. Admin scope: it
// replaces rule state. docs/http-api.md describes it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "alerts/rules/manager.h"
#include "server/http/request.h"
#include "server/http/response.h"
#include "server/http_server.h"

namespace vigie::server::http {

// RuleManager::Backfill(rule, group, now_ms, since_ms, step_ms). Called from the server's
// threads.
using BackfillFunc =
    std::function<absl::StatusOr<std::vector<alerts::rules::RuleManager::BackfillReport>>(
        const std::string& rule, const std::string& group, int64_t now_ms, int64_t since_ms,
        int64_t step_ms)>;

// The endpoints to append to HttpDeps::endpoints.
std::vector<HttpEndpoint> AnomalyEndpoints(BackfillFunc backfill);

// The handler's body, for tests: parameters rule (required), group, since (default 7d), step
// (default: the group's interval, see RuleManager::Backfill).
Response BackfillResponse(const Request& request, int64_t now_ms, const BackfillFunc& backfill);

}  // namespace vigie::server::http
