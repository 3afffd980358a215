// What the collector asks vigied of its ingest limits (Ingest.Limits): the samples one request
// may hold (vigied's --max-samples-per-request), which the batcher follows (Batcher::
// FollowServerLimit) so that it never builds a batch that vigied would refuse whole, for ever.
//
// Thread safety: one call at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "collector/shipper.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::collector {

class ServerLimits {
 public:
  // Asks the vigied the shipper sends to (`options`: server, token, TLS).
  static absl::StatusOr<std::unique_ptr<ServerLimits>> Create(const Shipper::Options& options);

  // vigied's max_samples_per_request, within `deadline`; 0 when it names none (a vigied older
  // than the field or the call). Unavailable and the like while vigied cannot be asked.
  absl::StatusOr<uint64_t> MaxSamplesPerRequest(std::chrono::milliseconds deadline);

 private:
  ServerLimits(std::unique_ptr<v1::Ingest::Stub> stub, std::string token)
      : stub_(std::move(stub)), token_(std::move(token)) {}

  std::unique_ptr<v1::Ingest::Stub> stub_;
  const std::string token_;
};

}  // namespace vigie::collector
