#include "server/http/router.h"

#include <snappy.h>

#include "common/strings.h"
#include "server/http/loki_detected.h"
#include "server/http/loki_index.h"
#include "server/http/loki_push.h"
#include "server/http/loki_query.h"
#include "server/http/prom_api.h"
#include "server/http/remote_write.h"
#include "server/http/response.h"
#include "server/http/status_message.h"
#include "server/http/web_ui.h"

namespace vigie::server::http {

namespace {

constexpr uint64_t kDefaultBodyLimit = 1 << 20;  // Form-encoded queries.
constexpr std::string_view kPushPath = "/loki/api/v1/push";
constexpr std::string_view kRemoteWritePath = "/api/v1/write";
constexpr std::string_view kLabelPrefix = "/loki/api/v1/label/";
constexpr std::string_view kValuesSuffix = "/values";
constexpr std::string_view kFieldPrefix = "/loki/api/v1/detected_field/";

// What "/" answers when vigied was built without the web UI (unit tests).
constexpr std::string_view kHomePage = R"(<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>vigied</title></head>
<body>
<h1>vigied</h1>
<p>This vigied was built without its web UI. It serves Loki's and Prometheus's HTTP APIs
(docs/http-api.md): <code>/loki/api/v1/push</code>, <code>/loki/api/v1/query_range</code>,
<code>/loki/api/v1/labels</code>, <code>/loki/api/v1/tail</code>, <code>/api/v1/query</code>,
<a href="/metrics">/metrics</a>.</p>
</body>
</html>
)";

// The decoded <name> of a path `prefix`<name>/values, or nullopt for another path.
std::optional<std::string> NameIn(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix) || !path.ends_with(kValuesSuffix) ||
      path.size() <= prefix.size() + kValuesSuffix.size()) {
    return std::nullopt;
  }
  return PercentDecode(
      path.substr(prefix.size(), path.size() - prefix.size() - kValuesSuffix.size()));
}

// An error of the authorizer as the API answers it.
std::optional<Response> Authorize(const HttpDeps& deps, const Request& request, Scope scope) {
  absl::Status status = deps.auth->Check(request.authorization, scope);
  if (status.ok()) return std::nullopt;
  return StatusError(status);
}

// HEAD is answered as GET is, without the body (the connection leaves it out).
bool IsGet(const Request& r) { return r.method == "GET" || r.method == "HEAD"; }
bool IsGetOrPost(const Request& r) { return IsGet(r) || r.method == "POST"; }

Response MethodNotAllowed(const Request& r, std::string_view allowed) {
  Response response = JsonError(405, StrCat("method ", r.method.substr(0, 16), " not allowed on ",
                                            r.path.substr(0, 200), ": use ", allowed));
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}

Response NotFound(const Request& r) {
  return JsonError(
      404,
      StrCat(
          "no endpoint at ", r.path.substr(0, 200),
          ": the APIs are under /loki/api/v1/ (Loki) and /api/v1/ (Prometheus); see / for a list"));
}

// Endpoints that never need a token: the web UI's files, probes and metrics, as in Loki.
std::optional<Response> HandleOpen(const Request& request, const HttpDeps& deps) {
  if (auto asset = ServeWebAsset(request, deps.web_assets)) return *std::move(asset);
  const std::string& path = request.path;
  if (path != "/" && path != "/healthz" && path != "/readyz" && path != "/ready" &&
      path != "/metrics") {
    return std::nullopt;
  }
  if (!IsGet(request)) return MethodNotAllowed(request, "GET, HEAD");
  if (path == "/") return Response{200, "text/html; charset=utf-8", std::string(kHomePage)};
  if (path == "/healthz") return TextResponse(200, "ok\n");
  if (path == "/metrics") {
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", deps.metrics->Serialize()};
  }
  // Probes answer in plain text, as Loki's /ready does: only their status matters.
  bool ready = deps.ready && deps.ready();
  if (path == "/ready") return TextResponse(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  return TextResponse(ready ? 200 : 503, ready ? "ok\n" : "not ready\n");
}

// The first of deps.endpoints that takes the request, 405 when its path is served with other
// methods only; nullopt when no endpoint has its path.
std::optional<Response> HandleWired(const Request& request, const HttpDeps& deps) {
  std::string allowed;
  for (const HttpEndpoint& endpoint : deps.endpoints) {
    if (endpoint.prefix ? !request.path.starts_with(endpoint.path)
                        : request.path != endpoint.path) {
      continue;
    }
    for (const std::string& method : endpoint.methods) {
      if (method == request.method || (method == "GET" && request.method == "HEAD")) {
        if (auto denied = Authorize(deps, request, endpoint.scope)) return *std::move(denied);
        return endpoint.handle(request);
      }
      StrAppend(&allowed, allowed.empty() ? "" : ", ", method);
    }
  }
  if (allowed.empty()) return std::nullopt;
  return MethodNotAllowed(request, allowed);
}

// A Loki push that is not JSON, and a remote_write, is snappy protobuf: the decompressed size its
// header declares is taken from the in-flight budget before the decoder allocates it (a size above
// the body limit is refused by the decoder without allocating). False when the budget is full.
bool ReserveDecodedPush(const Request& request, uint64_t limit) {
  if (!request.reserve || StartsWithIgnoreCase(request.content_type, "application/json")) {
    return true;
  }
  size_t size = 0;
  if (!snappy::GetUncompressedLength(request.body.data(), request.body.size(), &size) ||
      size > limit) {
    return true;
  }
  return request.reserve(size);
}

}  // namespace

uint64_t Router::BodyLimit(std::string_view path) const {
  if (path == kPushPath || path == kRemoteWritePath) return MaxPushBodyBytes(deps_.limits);
  for (const HttpEndpoint& endpoint : deps_.endpoints) {
    if (endpoint.max_body_bytes > 0 &&
        (endpoint.prefix ? path.starts_with(endpoint.path) : path == endpoint.path)) {
      return endpoint.max_body_bytes;
    }
  }
  return kDefaultBodyLimit;
}

RequestBudget::Reservation Router::NewReservation() const {
  return deps_.budget ? deps_.budget->NewReservation() : RequestBudget::Reservation();
}

Response Router::Busy() const {
  return TooManyRequests(deps_.budget ? deps_.budget->ExhaustedMessage() : "vigied is busy",
                         RequestBudget::kRetryAfterSeconds);
}

Response Router::Handle(const Request& request) const {
  if (std::optional<Response> open = HandleOpen(request, deps_)) return *std::move(open);
  if (deps_.endpoints_only) {
    if (std::optional<Response> wired = HandleWired(request, deps_)) return *std::move(wired);
    return NotFound(request);
  }
  const std::string& path = request.path;
  if (path == kPushPath) {
    if (request.method != "POST") return MethodNotAllowed(request, "POST");
    if (auto denied = Authorize(deps_, request, Scope::kIngest)) return *std::move(denied);
    if (!ReserveDecodedPush(request, BodyLimit(path))) return Busy();
    return HandlePush(request, deps_);
  }
  if (path == kRemoteWritePath) {
    if (request.method != "POST") return MethodNotAllowed(request, "POST");
    if (auto denied = Authorize(deps_, request, Scope::kIngest)) return *std::move(denied);
    if (!ReserveDecodedPush(request, BodyLimit(path))) return Busy();
    return HandleRemoteWrite(request, deps_);
  }
  if (path == "/api/v1/metadata") {
    if (!IsGetOrPost(request)) return MethodNotAllowed(request, "GET, HEAD, POST");
    if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
    return HandleMetadata(request, deps_);
  }
  if (path == kTailTicketPath) {
    if (request.method != "POST") return MethodNotAllowed(request, "POST");
    if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
    return JsonResponse(
        {{"status", "success"},
         {"data",
          {{"ticket", tickets_.Issue()}, {"expiresIn", TailTickets::kTicketLifetime.count()}}}});
  }
  if (std::optional<Response> wired = HandleWired(request, deps_)) return *std::move(wired);
  if (path.starts_with(kPromApiPrefix)) {
    if (!IsGetOrPost(request)) return MethodNotAllowed(request, "GET, HEAD, POST");
    if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
    if (auto answer = HandlePromApi(request, deps_)) return *std::move(answer);
    return NotFound(request);
  }
  if (!path.starts_with("/loki/api/v1/")) return NotFound(request);
  if (path == kTailPath) {
    if (!IsGet(request)) return MethodNotAllowed(request, "GET");
    return JsonError(400, "the tail endpoint takes a WebSocket connection (Upgrade: websocket)");
  }
  if (!IsGetOrPost(request)) return MethodNotAllowed(request, "GET, HEAD, POST");
  if (auto denied = Authorize(deps_, request, Scope::kQuery)) return *std::move(denied);
  if (path == "/loki/api/v1/query_range") return HandleQueryRange(request, deps_);
  if (path == "/loki/api/v1/query") return HandleInstantQuery(request, deps_);
  if (path == "/loki/api/v1/labels" || path == "/loki/api/v1/label") {
    return HandleLabels(request, deps_);
  }
  if (auto name = NameIn(path, kLabelPrefix)) return HandleLabelValues(request, deps_, *name);
  if (path == "/loki/api/v1/series") return HandleSeries(request, deps_);
  if (path == "/loki/api/v1/index/stats") return HandleIndexStats(request, deps_);
  if (path == "/loki/api/v1/index/volume") return HandleVolume(request, deps_, /*range=*/false);
  if (path == "/loki/api/v1/index/volume_range") return HandleVolume(request, deps_, true);
  if (path == "/loki/api/v1/detected_labels") return HandleDetectedLabels(request, deps_);
  if (path == "/loki/api/v1/detected_fields") return HandleDetectedFields(request, deps_);
  if (auto name = NameIn(path, kFieldPrefix)) {
    return HandleDetectedFieldValues(request, deps_, *name);
  }
  if (path == "/loki/api/v1/status/buildinfo") return HandleBuildInfo();
  return NotFound(request);
}

std::variant<TailPlan, Response> Router::PrepareTail(const Request& request) const {
  if (deps_.endpoints_only) return NotFound(request);
  if (request.method != "GET") return MethodNotAllowed(request, "GET");
  std::optional<std::string_view> ticket = request.Param("ticket");
  if (ticket && request.authorization.empty()) {
    if (!tickets_.Redeem(*ticket)) {
      return JsonError(401, StrCat("the tail ticket is unknown, used or expired: ask POST ",
                                   kTailTicketPath, " for a new one"));
    }
  } else if (auto denied = Authorize(deps_, request, Scope::kQuery)) {
    return *std::move(denied);
  }
  absl::StatusOr<TailPlan> plan = ParseTailRequest(request, deps_);
  if (!plan.ok()) return StatusError(plan.status());
  return *std::move(plan);
}

}  // namespace vigie::server::http
