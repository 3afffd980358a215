// The outbox's HTTP API (docs/http-api.md, "Notifications"):
//   GET  /api/v1/notifications?state=queued|failed   the pending requests, or the dead letters
//   POST /api/v1/receivers/NAME/test                 a test notification to every integration
#pragma once

#include <vector>

#include "alerts/notify/outbox.h"
#include "server/http_server.h"

namespace vigie::server {

// `outbox` is not owned and must outlive the server.
std::vector<HttpEndpoint> NotifyEndpoints(alerts::notify::Outbox* outbox);

}  // namespace vigie::server
