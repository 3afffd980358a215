#include "server/http/deploys_api.h"

#include "common/strings.h"
#include "server/http/deploy_json.h"
#include "server/http/prom_json.h"
#include "server/http/prom_params.h"
#include "server/http/response.h"

namespace vigie::server {
namespace {

constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 10000;

http::Response Record(alerts::deploys::DeployStore* deploys, const http::Request& request) {
  absl::StatusOr<alerts::Deploy> deploy = http::DecodeDeployJson(request.body);
  if (deploy.ok()) deploy = deploys->Record(*std::move(deploy));
  if (!deploy.ok()) return http::StatusError(deploy.status());
  return http::PromSuccess(http::DeployJson(*deploy));
}

absl::StatusOr<alerts::deploys::DeployQuery> ParseQuery(const http::Request& request) {
  alerts::deploys::DeployQuery query;
  absl::StatusOr<int64_t> start = http::PromTimeParam(request, "start", http::kPromMinTimeMs);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = http::PromTimeParam(request, "end", http::kPromMaxTimeMs);
  if (!end.ok()) return end.status();
  if (*end < *start) {
    return absl::InvalidArgumentError(
        "invalid parameter \"end\": end timestamp must not be "
        "before start time");
  }
  query.start_ms = *start;
  query.end_ms = *end;
  for (auto [name, field] : {std::pair{"service", &query.service},
                             {"environment", &query.environment},
                             {"version", &query.version},
                             {"commit", &query.commit},
                             {"author", &query.author}}) {
    if (auto value = request.Param(name)) *field = std::string(*value);
  }
  query.limit = kDefaultLimit;
  if (auto limit = request.Param("limit")) {
    if (!ParseNumber(*limit, &query.limit) || query.limit == 0 || query.limit > kMaxLimit) {
      return absl::InvalidArgumentError(
          StrCat("invalid parameter \"limit\": \"", limit->substr(0, 20),
                 "\" is not a number of deploys from 1 to ", kMaxLimit));
    }
  }
  return query;
}

http::Response List(const alerts::deploys::DeployStore* deploys, const http::Request& request) {
  absl::StatusOr<alerts::deploys::DeployQuery> query = ParseQuery(request);
  if (!query.ok()) return http::StatusError(query.status());
  absl::StatusOr<std::vector<alerts::Deploy>> found = deploys->Query(*query);
  if (!found.ok()) return http::StatusError(found.status());
  nlohmann::json data = nlohmann::json::array();
  for (const alerts::Deploy& deploy : *found) data.push_back(http::DeployJson(deploy));
  return http::PromSuccess(std::move(data));
}

}  // namespace

std::vector<HttpEndpoint> DeployEndpoints(alerts::deploys::DeployStore* deploys) {
  constexpr std::string_view kPath = "/api/v1/deploys";
  return {
      {std::string(kPath),
       false,
       {"POST"},
       Scope::kIngest,
       [deploys](const http::Request& request) { return Record(deploys, request); }},
      {std::string(kPath),
       false,
       {"GET"},
       Scope::kQuery,
       [deploys](const http::Request& request) { return List(deploys, request); }},
  };
}

}  // namespace vigie::server
