// One Ingest.Push call (gRPC callback API), driven by the shipper's thread. Requests go out as
// the spool's serialized bytes, without re-encoding; acks come back as PushAck.
//
// Lifetime: the call holds itself open (a gRPC "hold") until Finish(), which must be called
// before destruction and returns once gRPC is done with the object.
//
// Thread safety: StartSend, busy, broken and Finish may be called from any thread; the
// callbacks run on gRPC threads.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::collector {

using PushStub = grpc::TemplatedGenericStub<grpc::ByteBuffer, v1::PushAck>;

class PushCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, v1::PushAck> {
 public:
  // Runs on a gRPC thread for each ack, in order.
  using AckFn = std::function<void(const v1::PushAck&)>;

  // Starts the call. `wake` is called after every event (write done, ack, end of call).
  PushCall(PushStub* stub, std::unique_ptr<grpc::ClientContext> context, AckFn on_ack,
           std::function<void()> wake);

  // Starts sending one serialized PushRequest; false if a send is in progress or the call is
  // broken.
  bool StartSend(std::string request);
  // A send is in progress.
  bool busy() const;
  // The call can carry nothing more (the server ended it or a send failed).
  bool broken() const;

  // Ends the call: half-closes it when `graceful` (the server ends it after its last acks,
  // within `grace`), otherwise cancels it. Waits until gRPC is done and returns the status.
  grpc::Status Finish(bool graceful, std::chrono::milliseconds grace);

 private:
  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  std::unique_ptr<grpc::ClientContext> context_;
  AckFn on_ack_;
  std::function<void()> wake_;
  v1::PushAck ack_;
  grpc::ByteBuffer request_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false, broken_ = false, done_ = false, released_ = false;
  grpc::Status status_;
};

}  // namespace vigie::collector
