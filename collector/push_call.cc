#include "collector/push_call.h"

namespace vigie::collector {

PushCall::PushCall(PushStub* stub, std::unique_ptr<grpc::ClientContext> context, AckFn on_ack,
                   std::function<void()> wake)
    : context_(std::move(context)), on_ack_(std::move(on_ack)), wake_(std::move(wake)) {
  stub->PrepareBidiStreamingCall(context_.get(), "/vigie.v1.Ingest/Push", grpc::StubOptions(),
                                 this);
  // Sends are started from the shipper's thread, outside any reaction: the hold keeps the call
  // from completing until Finish() says no more will come.
  AddHold();
  StartRead(&ack_);
  StartCall();
}

bool PushCall::StartSend(std::string request) {
  {
    std::lock_guard lock(mu_);
    if (writing_ || broken_ || released_) return false;
    writing_ = true;
  }
  // The slice takes ownership of the bytes: no copy. gRPC calls are made without mu_ held, as
  // a reaction may run inline on this thread.
  auto* owned = new std::string(std::move(request));
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  request_ = grpc::ByteBuffer(&slice, 1);
  StartWrite(&request_);
  return true;
}

bool PushCall::busy() const {
  std::lock_guard lock(mu_);
  return writing_;
}

bool PushCall::broken() const {
  std::lock_guard lock(mu_);
  return broken_;
}

void PushCall::OnWriteDone(bool ok) {
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) broken_ = true;
    cv_.notify_all();
  }
  wake_();
}

void PushCall::OnReadDone(bool ok) {
  if (ok) {
    on_ack_(ack_);
    StartRead(&ack_);
  } else {
    std::lock_guard lock(mu_);
    broken_ = true;
    cv_.notify_all();
  }
  wake_();
}

void PushCall::OnDone(const grpc::Status& status) {
  // Before done_ is set: once Finish() sees it, the owner may destroy this object.
  wake_();
  std::lock_guard lock(mu_);
  status_ = status;
  done_ = true;
  cv_.notify_all();
}

grpc::Status PushCall::Finish(bool graceful, std::chrono::milliseconds grace) {
  bool release;
  {
    std::unique_lock lock(mu_);
    release = !released_;
    released_ = true;
    // A half-close must wait for the send in progress; a cancel need not.
    if (release && graceful) {
      graceful = cv_.wait_for(lock, grace, [&] { return !writing_ || broken_; }) && !broken_;
    }
  }
  if (release) {
    if (graceful) {
      StartWritesDone();
    } else {
      context_->TryCancel();
    }
    RemoveHold();
  }
  std::unique_lock lock(mu_);
  if (graceful && !cv_.wait_for(lock, grace, [&] { return done_; })) {
    lock.unlock();
    context_->TryCancel();
    lock.lock();
  }
  cv_.wait(lock, [&] { return done_; });
  return status_;
}

}  // namespace vigie::collector
