// OTLP's gRPC services on vigied's gRPC port (beside vigie.v1.Ingest):
// opentelemetry.proto.collector.metrics.v1.MetricsService/Export and
// opentelemetry.proto.collector.logs.v1.LogsService/Export.
//
// With tokens configured, a call needs one with the ingest scope ("authorization: Bearer <t>"
// metadata), as Push does. A request that does not fit the in-flight request budget is answered
// UNAVAILABLE (OTLP exporters retry it, with backoff); a request refused whole INVALID_ARGUMENT;
// a storage failure UNAVAILABLE or INTERNAL. Otherwise OK, once stored, with the partial success.
//
// Thread safety: the services are called concurrently by gRPC; they hold no state of their own.
#pragma once

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "server/auth.h"
#include "server/otlp/receiver.h"
#include "server/request_budget.h"

namespace vigie::server::otlp {

namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;
namespace collector_logs = opentelemetry::proto::collector::logs::v1;

// What both services use. Nothing is owned; all must outlive the services. `budget` may be null
// (unbounded).
struct GrpcDeps {
  Receiver* receiver = nullptr;
  const Authorizer* auth = nullptr;
  RequestBudget* budget = nullptr;
};

class MetricsGrpcService final : public collector_metrics::MetricsService::CallbackService {
 public:
  explicit MetricsGrpcService(GrpcDeps deps) : deps_(deps) {}
  grpc::ServerUnaryReactor* Export(
      grpc::CallbackServerContext* context,
      const collector_metrics::ExportMetricsServiceRequest* request,
      collector_metrics::ExportMetricsServiceResponse* response) override;

 private:
  GrpcDeps deps_;
};

class LogsGrpcService final : public collector_logs::LogsService::CallbackService {
 public:
  explicit LogsGrpcService(GrpcDeps deps) : deps_(deps) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const collector_logs::ExportLogsServiceRequest* request,
                                   collector_logs::ExportLogsServiceResponse* response) override;

 private:
  GrpcDeps deps_;
};

}  // namespace vigie::server::otlp
