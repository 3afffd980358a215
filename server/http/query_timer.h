// Times one query request and reports it on /metrics when it is done.
#pragma once

#include <chrono>
#include <string_view>

#include "server/http/request.h"
#include "server/http/response.h"
#include "server/http_server.h"
#include "server/metrics.h"

namespace vigie::server::http {

// Not thread-safe: one per request.
class QueryTimer {
 public:
  // `api` ("loki", "prometheus") and `kind` label the observation; both must outlive the timer.
  QueryTimer(ServerMetrics* metrics, std::string_view api, std::string_view kind)
      : metrics_(metrics), api_(api), kind_(kind), start_(std::chrono::steady_clock::now()) {}

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void set_kind(std::string_view kind) { kind_ = kind; }

  // Reports the request, failed when `response` is an error, and returns `response`.
  Response Done(Response response) const {
    if (metrics_) metrics_->QueryDone(api_, kind_, seconds(), response.status < 400);
    return response;
  }

 private:
  ServerMetrics* metrics_;
  std::string_view api_;
  std::string_view kind_;
  std::chrono::steady_clock::time_point start_;
};

// A Loki API request (api "loki" on /metrics), whose errors are StatusError()s.
class LokiTimer : public QueryTimer {
 public:
  LokiTimer(const HttpDeps& deps, std::string_view kind) : QueryTimer(deps.metrics, "loki", kind) {}
  Response Failed(const absl::Status& status) const { return Done(StatusError(status)); }
};

}  // namespace vigie::server::http
