// vigie.v1.Deploys on the gRPC callback API: record and list deploy events. Both answer at once
// (a deploy is one fsync'ed record; a list reads a bounded key range).
#pragma once

#include "alerts/deploys/deploy_store.h"
#include "server/auth.h"
#include "vigie/v1/deploys.grpc.pb.h"

namespace vigie::server {

class DeployService final : public v1::Deploys::CallbackService {
 public:
  // Nothing owned; both must outlive the service. Thread-safe.
  DeployService(alerts::deploys::DeployStore* deploys, const Authorizer* auth)
      : deploys_(deploys), auth_(auth) {}

  grpc::ServerUnaryReactor* RecordDeploy(grpc::CallbackServerContext* context,
                                         const v1::RecordDeployRequest* request,
                                         v1::RecordDeployResponse* response) override;
  grpc::ServerUnaryReactor* ListDeploys(grpc::CallbackServerContext* context,
                                        const v1::ListDeploysRequest* request,
                                        v1::ListDeploysResponse* response) override;

 private:
  alerts::deploys::DeployStore* deploys_;
  const Authorizer* auth_;
};

// The wire message and the model, field for field.
alerts::Deploy DeployFromProto(const v1::Deploy& proto);
void DeployToProto(const alerts::Deploy& deploy, v1::Deploy* out);

}  // namespace vigie::server
