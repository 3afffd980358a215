// vigied's HTTP port: Loki's API (push, query, query_range, labels, label values, tail over
// WebSocket), Prometheus's query API, remote_write and metadata (/api/v1/), /metrics, /healthz
// and /readyz. Implementation in server/http/.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/engine.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http/request.h"
#include "server/http/response.h"
#include "server/http/web_assets.h"
#include "server/ingester.h"
#include "server/metric_metadata.h"
#include "server/metrics.h"
#include "server/prom_queries.h"
#include "server/request_budget.h"
#include "server/tail_hub.h"
#include "store/store.h"

namespace vigie::server {

// An endpoint of a component that main.cc wires in (the alert engine's APIs), tried before the
// built-in /api/v1/ ones: requests whose path is `path` (or, with `prefix`, starts with it).
// Several endpoints may share a path with different methods and scopes.
struct HttpEndpoint {
  std::string path;
  bool prefix = false;
  std::vector<std::string> methods;  // "GET" takes HEAD too.
  Scope scope = Scope::kQuery;
  // Called from the server's threads, concurrently.
  std::function<http::Response(const http::Request&)> handle;
  // The largest request body, before and after decompression (413 beyond); 0: 1 MiB.
  uint64_t max_body_bytes = 0;
};

// What the HTTP handlers use. Nothing is owned; all must outlive the server.
struct HttpDeps {
  const logql::Engine* engine = nullptr;
  const store::LogQuerier* querier = nullptr;
  Ingester* ingester = nullptr;
  TailHub* tails = nullptr;
  ServerMetrics* metrics = nullptr;
  const Authorizer* auth = nullptr;
  Limits limits;
  // /readyz answers 200 while this returns true.
  std::function<bool()> ready;
  // The in-flight request budget shared with gRPC; null: unbounded (tests).
  RequestBudget* budget = nullptr;
  // Prometheus's API (/api/v1/); null: its PromQL endpoints answer 503.
  const PromQueries* prom = nullptr;
  // Metric metadata from remote_write, served at /api/v1/metadata; null: none kept.
  MetadataRegistry* metadata = nullptr;
  std::vector<HttpEndpoint> endpoints;
  // Serve only `endpoints` (and the probes, /metrics and /): a listener of one protocol, such as
  // OTLP/HTTP's own port. The other pointers may then be null.
  bool endpoints_only = false;
  // The web UI's files, served at / and /assets/ without a token; empty: a page saying the UI
  // is not built in.
  std::span<const http::WebAsset> web_assets;
};

// An HTTP listener. Thread-safe: Stop() may be called from any thread.
class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The bound port (the real one when listening on port 0).
  virtual int port() const = 0;
  // Starts accepting and answering with `deps`. Called once; connections made before it wait in
  // the listen backlog.
  virtual void Serve(HttpDeps deps) = 0;
  // Stops accepting, closes connections (live tails end), and joins the threads. Idempotent.
  virtual void Stop() = 0;
};

// Binds `listen` (host:port) without serving yet, so that the bound port is known to what the
// endpoints are built from (links to vigied). Fails naming the address when it cannot bind, or
// the file when the TLS certificate or key cannot be loaded.
absl::StatusOr<std::unique_ptr<HttpServer>> BindHttpServer(const std::string& listen,
                                                           const TlsConfig& tls);

// BindHttpServer, then Serve(deps): serves in background threads.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const std::string& listen,
                                                            const TlsConfig& tls, HttpDeps deps);

}  // namespace vigie::server
