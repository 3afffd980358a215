#include "server/http/dashboards_api.h"

#include "common/strings.h"
#include "server/http/prom_json.h"
#include "server/http/request.h"
#include "server/http/response.h"

namespace vigie::server {
namespace {

constexpr std::string_view kListPath = "/api/v1/dashboards";

http::Response List(const DashboardLibrary& library) {
  absl::StatusOr<std::vector<DashboardFile>> files = library.List();
  if (!files.ok()) return http::StatusError(files.status());
  nlohmann::json list = nlohmann::json::array();
  for (const DashboardFile& f : *files) {
    nlohmann::json item = {{"name", f.name}, {"source", f.source}};
    absl::StatusOr<nlohmann::json> dashboard = ParseDashboard(f.text);
    if (dashboard.ok()) {
      item["title"] = (*dashboard)["title"];
      item["description"] = (*dashboard)["description"];
    } else {
      item["error"] = std::string(dashboard.status().message());
    }
    list.push_back(std::move(item));
  }
  return http::PromSuccess(std::move(list));
}

http::Response Get(const DashboardLibrary& library, const http::Request& request) {
  std::string name = http::PercentDecode(request.path.substr(kListPath.size() + 1));
  absl::StatusOr<DashboardFile> file = library.Find(name);
  if (!file.ok()) return http::StatusError(file.status());
  absl::StatusOr<nlohmann::json> dashboard = ParseDashboard(file->text);
  if (!dashboard.ok()) {
    return http::JsonError(400, StrCat("dashboard \"", name, "\" (", file->source,
                                       "): ", dashboard.status().message()));
  }
  (*dashboard)["name"] = name;
  (*dashboard)["source"] = file->source;
  return http::PromSuccess(*std::move(dashboard));
}

}  // namespace

std::vector<HttpEndpoint> DashboardEndpoints(const DashboardLibrary* library) {
  return {
      {std::string(kListPath),
       false,
       {"GET"},
       Scope::kQuery,
       [library](const http::Request&) { return List(*library); }},
      {StrCat(kListPath, "/"),
       true,
       {"GET"},
       Scope::kQuery,
       [library](const http::Request& request) { return Get(*library, request); }},
  };
}

}  // namespace vigie::server
