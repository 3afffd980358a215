#include "server/grpc_deploy_service.h"

#include "server/grpc_ingest_service.h"
#include "server/proto_convert.h"

namespace vigie::server {
namespace {

constexpr uint32_t kDefaultLimit = 1000;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const absl::Status& st) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(st));
  return reactor;
}

}  // namespace

alerts::Deploy DeployFromProto(const v1::Deploy& proto) {
  alerts::Deploy deploy{.id = proto.id(),
                        .service = proto.service(),
                        .environment = proto.environment(),
                        .version = proto.version(),
                        .commit = proto.commit(),
                        .author = proto.author(),
                        .description = proto.description(),
                        .url = proto.url(),
                        .time_ms = proto.time_ms()};
  if (proto.has_end_ms()) deploy.end_ms = proto.end_ms();
  return deploy;
}

void DeployToProto(const alerts::Deploy& deploy, v1::Deploy* out) {
  out->set_id(deploy.id);
  out->set_service(deploy.service);
  out->set_environment(deploy.environment);
  out->set_version(deploy.version);
  out->set_commit(deploy.commit);
  out->set_author(deploy.author);
  out->set_description(deploy.description);
  out->set_url(deploy.url);
  out->set_time_ms(deploy.time_ms);
  if (deploy.end_ms) out->set_end_ms(*deploy.end_ms);
}

grpc::ServerUnaryReactor* DeployService::RecordDeploy(grpc::CallbackServerContext* context,
                                                      const v1::RecordDeployRequest* request,
                                                      v1::RecordDeployResponse* response) {
  if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kIngest); !st.ok()) {
    return Finish(context, st);
  }
  alerts::Deploy deploy = DeployFromProto(request->deploy());
  deploy.id.clear();
  absl::StatusOr<alerts::Deploy> stored = deploys_->Record(std::move(deploy));
  if (stored.ok()) DeployToProto(*stored, response->mutable_deploy());
  return Finish(context, stored.status());
}

grpc::ServerUnaryReactor* DeployService::ListDeploys(grpc::CallbackServerContext* context,
                                                     const v1::ListDeploysRequest* request,
                                                     v1::ListDeploysResponse* response) {
  if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
    return Finish(context, st);
  }
  alerts::deploys::DeployQuery query{
      .start_ms = request->start_ms(),
      .end_ms = request->end_ms() ? request->end_ms() : INT64_MAX,
      .service = request->service(),
      .environment = request->environment(),
      .version = request->version(),
      .commit = request->commit(),
      .author = request->author(),
      .limit = request->limit() ? request->limit() : kDefaultLimit,
  };
  absl::StatusOr<std::vector<alerts::Deploy>> found = deploys_->Query(query);
  if (found.ok()) {
    for (const alerts::Deploy& deploy : *found) DeployToProto(deploy, response->add_deploys());
  }
  return Finish(context, found.status());
}

}  // namespace vigie::server
