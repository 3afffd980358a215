// vigie.v1.Query on the gRPC callback API: Grep and Tail stream from producer threads
// (grpc_producer_reactor.h); Labels and Series answer at once; PromQuery evaluates on the
// callback thread (a PromQL query is bounded by --promql-timeout).
#pragma once

#include <atomic>

#include "query/logql/engine.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/prom_queries.h"
#include "server/tail_hub.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::server {

class QueryService final : public v1::Query::CallbackService {
 public:
  // Nothing owned; all must outlive the service.
  QueryService(const logql::Engine* engine, const store::LogQuerier* querier, TailHub* tails,
               ServerMetrics* metrics, const Authorizer* auth, const PromQueries* prom)
      : engine_(engine),
        querier_(querier),
        tails_(tails),
        metrics_(metrics),
        auth_(auth),
        prom_(prom) {}

  grpc::ServerWriteReactor<v1::GrepResponse>* Grep(grpc::CallbackServerContext* context,
                                                   const v1::GrepRequest* request) override;
  grpc::ServerWriteReactor<v1::TailResponse>* Tail(grpc::CallbackServerContext* context,
                                                   const v1::TailRequest* request) override;
  grpc::ServerUnaryReactor* Labels(grpc::CallbackServerContext* context,
                                   const v1::LabelsRequest* request,
                                   v1::LabelsResponse* response) override;
  grpc::ServerUnaryReactor* PromQuery(grpc::CallbackServerContext* context,
                                      const v1::PromQueryRequest* request,
                                      v1::PromQueryResponse* response) override;
  grpc::ServerUnaryReactor* Series(grpc::CallbackServerContext* context,
                                   const v1::SeriesRequest* request,
                                   v1::SeriesResponse* response) override;

  // Ends every Tail stream, now and to come, with UNAVAILABLE "vigied is stopping" within
  // 200 ms, so that the server's shutdown does not wait for followers. Thread-safe.
  void Stop() { stopping_ = true; }

 private:
  const logql::Engine* engine_;
  const store::LogQuerier* querier_;
  TailHub* tails_;
  ServerMetrics* metrics_;
  const Authorizer* auth_;
  const PromQueries* prom_;
  std::atomic<bool> stopping_{false};
};

}  // namespace vigie::server
