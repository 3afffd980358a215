// vigie.v1.Ingest on the gRPC callback API.
#pragma once

#include "server/auth.h"
#include "server/ingester.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::server {

class IngestService final : public v1::Ingest::CallbackService {
 public:
  // Not owned; must outlive the service.
  IngestService(Ingester* ingester, const Authorizer* auth) : ingester_(ingester), auth_(auth) {}

  grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck>* Push(
      grpc::CallbackServerContext* context) override;

 private:
  Ingester* ingester_;
  const Authorizer* auth_;
};

// The "authorization" metadata of a call, or "".
std::string AuthorizationOf(const grpc::CallbackServerContext* context);

}  // namespace vigie::server
