#include "collector/server_limits.h"

#include "common/strings.h"

namespace vigie::collector {

absl::StatusOr<std::unique_ptr<ServerLimits>> ServerLimits::Create(
    const Shipper::Options& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ShipperChannel(options);
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<ServerLimits>(
      new ServerLimits(v1::Ingest::NewStub(*std::move(channel)), options.token));
}

absl::StatusOr<uint64_t> ServerLimits::MaxSamplesPerRequest(std::chrono::milliseconds deadline) {
  grpc::ClientContext context;
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  v1::IngestLimits limits;
  grpc::Status status = stub_->Limits(&context, v1::LimitsRequest(), &limits);
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) return 0;
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        StrCat("Ingest.Limits: ", status.error_message()));
  }
  return limits.max_samples_per_request();
}

}  // namespace vigie::collector
