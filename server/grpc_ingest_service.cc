#include "server/grpc_ingest_service.h"

#include "common/strings.h"
#include "server/proto_convert.h"

namespace vigie::server {

namespace {

constexpr size_t kMaxAgentIdBytes = 256;

// Reads a batch, stores it, acknowledges it, reads the next: acks go out in batch order, each
// only once its batch is durable. The store write runs on the gRPC callback thread; it is an
// fsync'ed RocksDB write, short enough not to starve the pool.
class PushReactor final : public grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck> {
 public:
  PushReactor(Ingester* ingester, absl::Status auth) : ingester_(ingester) {
    if (!auth.ok()) {
      Finish(ToGrpcStatus(auth));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);  // The client closed its side.
      return;
    }
    if (request_.agent_id().size() > kMaxAgentIdBytes) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          StrCat("agent_id is longer than ", kMaxAgentIdBytes, " bytes")));
      return;
    }
    uint64_t seq = request_.seq();
    auto outcome = ingester_->Ingest(BatchFromProto(std::move(request_)));
    request_.Clear();
    if (!outcome.ok()) {
      Finish(ToGrpcStatus(outcome.status()));
      return;
    }
    ack_.Clear();
    ack_.set_seq(seq);
    ack_.set_accepted(outcome->accepted);
    ack_.set_rejected(outcome->rejected);
    ack_.set_reason(outcome->reason);
    ack_.set_duplicate(outcome->duplicate);
    StartWrite(&ack_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  Ingester* ingester_;
  v1::PushRequest request_;
  v1::PushAck ack_;
};

}  // namespace

std::string AuthorizationOf(const grpc::CallbackServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck>* IngestService::Push(
    grpc::CallbackServerContext* context) {
  return new PushReactor(ingester_, auth_->Check(AuthorizationOf(context), Scope::kIngest));
}

}  // namespace vigie::server
