#include "server/otlp/grpc_services.h"

#include "common/strings.h"
#include "server/grpc_ingest_service.h"
#include "server/proto_convert.h"

namespace vigie::server::otlp {

namespace {

// Authorizes the call, holds its size in the budget and exports it with `export_fn` (which
// returns absl::StatusOr<ExportOutcome>), setting the partial success through `set_partial`.
template <typename Request, typename ExportFn, typename SetPartial>
grpc::ServerUnaryReactor* Serve(const GrpcDeps& deps, grpc::CallbackServerContext* context,
                                const Request& request, ExportFn export_fn,
                                SetPartial set_partial) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status auth = deps.auth->Check(AuthorizationOf(context), Scope::kIngest);
  if (!auth.ok()) {
    reactor->Finish(ToGrpcStatus(auth));
    return reactor;
  }
  RequestBudget::Reservation reservation =
      deps.budget ? deps.budget->NewReservation() : RequestBudget::Reservation();
  if (!reservation.Grow(request.ByteSizeLong())) {
    // UNAVAILABLE, not RESOURCE_EXHAUSTED: OTLP exporters retry only the former without
    // RetryInfo details.
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, deps.budget->ExhaustedMessage()));
    return reactor;
  }
  std::string peer = context->peer();
  ExportSource source{"otlp_grpc", StrCat("peer ", peer.substr(0, peer.rfind(':'))), ""};
  absl::StatusOr<ExportOutcome> outcome = export_fn(request, source);
  if (!outcome.ok()) {
    reactor->Finish(ToGrpcStatus(outcome.status()));
    return reactor;
  }
  if (outcome->rejected > 0 || !outcome->error_message.empty()) {
    set_partial(outcome->rejected, outcome->error_message);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* MetricsGrpcService::Export(
    grpc::CallbackServerContext* context,
    const collector_metrics::ExportMetricsServiceRequest* request,
    collector_metrics::ExportMetricsServiceResponse* response) {
  return Serve(
      deps_, context, *request,
      [this](const auto& r, const ExportSource& s) { return deps_.receiver->ExportMetrics(r, s); },
      [response](int64_t rejected, const std::string& message) {
        response->mutable_partial_success()->set_rejected_data_points(rejected);
        response->mutable_partial_success()->set_error_message(message);
      });
}

grpc::ServerUnaryReactor* LogsGrpcService::Export(
    grpc::CallbackServerContext* context, const collector_logs::ExportLogsServiceRequest* request,
    collector_logs::ExportLogsServiceResponse* response) {
  return Serve(
      deps_, context, *request,
      [this](const auto& r, const ExportSource& s) { return deps_.receiver->ExportLogs(r, s); },
      [response](int64_t rejected, const std::string& message) {
        response->mutable_partial_success()->set_rejected_log_records(rejected);
        response->mutable_partial_success()->set_error_message(message);
      });
}

}  // namespace vigie::server::otlp
