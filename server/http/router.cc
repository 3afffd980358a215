#include "server/http/router.h"

#include "common/strings.h"
#include "server/http/loki_push.h"
#include "server/http/loki_query.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

constexpr uint64_t kDefaultBodyLimit = 1 << 20;  // Form-encoded queries.
constexpr std::string_view kPushPath = "/loki/api/v1/push";
constexpr std::string_view kLabelPrefix = "/loki/api/v1/label/";
constexpr std::string_view kValuesSuffix = "/values";

// An error of the authorizer as the API answers it.
std::optional<Response> Authorize(const HttpDeps& deps, const Request& request, Scope scope) {
  absl::Status status = deps.auth->Check(request.authorization, scope);
  if (status.ok()) return std::nullopt;
  return JsonError(HttpStatusFor(status), StatusMessage(status));
}

bool IsGet(const Request& r) { return r.method == "GET"; }
bool IsGetOrPost(const Request& r) { return r.method == "GET" || r.method == "POST"; }

Response MethodNotAllowed(const Request& r) {
  return TextResponse(405, StrCat("method ", r.method.substr(0, 16), " not allowed on ",
                                  r.path.substr(0, 200), "\n"));
}

// Endpoints that never need a token: probes and metrics, as in Loki.
std::optional<Response> HandleOpen(const Request& request, const HttpDeps& deps) {
  const std::string& path = request.path;
  if (path != "/healthz" && path != "/readyz" && path != "/ready" && path != "/metrics") {
    return std::nullopt;
  }
  if (!IsGet(request)) return MethodNotAllowed(request);
  if (path == "/healthz") return TextResponse(200, "ok\n");
  if (path == "/metrics") {
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", deps.metrics->Serialize()};
  }
  bool ready = deps.ready && deps.ready();
  if (path == "/ready") return TextResponse(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  return TextResponse(ready ? 200 : 503, ready ? "ok\n" : "not ready\n");
}

}  // namespace

uint64_t Router::BodyLimit(std::string_view path) const {
  return path == kPushPath ? MaxPushBodyBytes(deps_.limits) : kDefaultBodyLimit;
}

Response Router::Handle(const Request& request) const {
  if (std::optional<Response> open = HandleOpen(request, deps_)) return *std::move(open);
  const std::string& path = request.path;
  if (path == kPushPath) {
    if (request.method != "POST") return MethodNotAllowed(request);
    if (auto denied = Authorize(deps_, request, Scope::kIngest)) return *std::move(denied);
    return HandlePush(request, deps_);
  }
  if (!path.starts_with("/loki/api/v1/")) return TextResponse(404, "404 page not found\n");
  if (!IsGetOrPost(request)) return MethodNotAllowed(request);
  if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
  if (path == "/loki/api/v1/query_range") return HandleQueryRange(request, deps_);
  if (path == "/loki/api/v1/query") return HandleInstantQuery(request, deps_);
  if (path == "/loki/api/v1/labels" || path == "/loki/api/v1/label") {
    return HandleLabels(request, deps_);
  }
  if (path.starts_with(kLabelPrefix) && path.ends_with(kValuesSuffix) &&
      path.size() > kLabelPrefix.size() + kValuesSuffix.size()) {
    std::string_view name = std::string_view(path).substr(
        kLabelPrefix.size(), path.size() - kLabelPrefix.size() - kValuesSuffix.size());
    return HandleLabelValues(request, deps_, PercentDecode(name));
  }
  if (path == "/loki/api/v1/series") return HandleSeries(request, deps_);
  if (path == "/loki/api/v1/index/stats") return HandleIndexStats(request, deps_);
  if (path == "/loki/api/v1/status/buildinfo") return HandleBuildInfo();
  if (path == kTailPath) {
    return TextResponse(400,
                        "the tail endpoint takes a WebSocket connection (Upgrade: websocket)\n");
  }
  return TextResponse(404, "404 page not found\n");
}

std::variant<TailPlan, Response> Router::PrepareTail(const Request& request) const {
  if (!IsGet(request)) return MethodNotAllowed(request);
  if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
  absl::StatusOr<TailPlan> plan = ParseTailRequest(request, deps_);
  if (!plan.ok()) return QueryError(plan.status());
  return *std::move(plan);
}

}  // namespace vigie::server::http
