// The dashboards' HTTP API (docs/web.md, "Dashboards"), scope query:
//   GET /api/v1/dashboards         [{"name", "title", "description", "source"}], by name (a file
//                                  that does not parse is listed with "error" instead of its
//                                  title)
//   GET /api/v1/dashboards/<name>  the dashboard as JSON (server/dashboards.h); 404 for an
//                                  unknown name, 400 naming the line of what is wrong
#pragma once

#include <vector>

#include "server/dashboards.h"
#include "server/http_server.h"

namespace vigie::server {

// The endpoints over `library` (not owned; must outlive the server).
std::vector<HttpEndpoint> DashboardEndpoints(const DashboardLibrary* library);

}  // namespace vigie::server
