// vigie.v1.Ingest on the gRPC callback API.
#pragma once

#include "common/limits.h"
#include "server/auth.h"
#include "server/ingester.h"
#include "server/metric_metadata.h"
#include "server/request_budget.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::server {

class IngestService final : public v1::Ingest::CallbackService {
 public:
  // Not owned; must outlive the service. Each Push batch holds its size in `budget` (null:
  // unbounded) from its arrival until it is committed or refused; a batch that does not fit
  // ends the call with RESOURCE_EXHAUSTED, saying when to retry (also in the
  // grpc-retry-pushback-ms trailer), after the acks of the batches already stored. The
  // metadata of Push requests goes to `metadata` (null: ignored).
  IngestService(Ingester* ingester, const Authorizer* auth, const vigie::Limits& limits,
                RequestBudget* budget = nullptr, MetadataRegistry* metadata = nullptr)
      : ingester_(ingester), auth_(auth), limits_(limits), budget_(budget), metadata_(metadata) {}

  grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck>* Push(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Limits(grpc::CallbackServerContext* context,
                                   const v1::LimitsRequest* request,
                                   v1::IngestLimits* response) override;

 private:
  Ingester* ingester_;
  const Authorizer* auth_;
  const vigie::Limits limits_;
  RequestBudget* budget_;
  MetadataRegistry* metadata_;
};

// The largest gRPC message vigied receives: a batch of max_batch_bytes of lines plus its
// framing and labels.
int MaxPushMessageBytes(const Limits& limits);

// The "authorization" metadata of a call, or "".
std::string AuthorizationOf(const grpc::CallbackServerContext* context);

}  // namespace vigie::server
