#include "cli/pusher.h"

#include <iostream>
#include <random>
#include <thread>

namespace vigie::cli {

namespace {
bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::CANCELLED ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::ABORTED ||
         code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}
}  // namespace

Pusher::Pusher(ClientOptions options, std::string agent_id, size_t window)
    : options_(std::move(options)),
      agent_id_(std::move(agent_id)),
      window_(window),
      backoff_(std::chrono::milliseconds(100), std::chrono::seconds(5), std::random_device()()) {
  channel_ = Connect(options_);
  stub_ = v1::Ingest::NewStub(channel_);
}

Pusher::~Pusher() {
  if (stream_) {
    context_->TryCancel();
    stream_->Finish();
  }
}

bool Pusher::EnsureStream() {
  while (!stream_) {
    context_ = NewContext(options_);
    context_->set_wait_for_ready(true);
    stream_ = stub_->Push(context_.get());
    bool ok = true;
    for (const v1::PushRequest& batch : in_flight_) {
      if (!(ok = stream_->Write(batch))) break;
    }
    if (ok) return true;
    if (!Recover()) return false;
  }
  return true;
}

bool Pusher::Recover() {
  // Called after a failed Read or Write: the call is over, and Finish() tells why.
  grpc::Status status = stream_->Finish();
  stream_.reset();
  if (!status.ok() && !Retryable(status.error_code())) {
    error_ = status;
    return false;
  }
  ++totals_.reconnects;
  std::chrono::milliseconds delay = backoff_.Next();
  std::cerr << "vigie: lost vigied at " << options_.server << " ("
            << (status.ok() ? "stream closed" : status.error_message()) << "); resending "
            << in_flight_.size() << " unacknowledged batch(es) in " << delay.count() << " ms\n";
  std::this_thread::sleep_for(delay);
  return true;
}

bool Pusher::ReadAck() {
  while (true) {
    if (!EnsureStream()) return false;
    v1::PushAck ack;
    if (stream_->Read(&ack)) {
      if (in_flight_.empty() || ack.seq() != in_flight_.front().seq()) {
        error_ = grpc::Status(grpc::StatusCode::INTERNAL, "vigied acknowledged an unknown batch");
        return false;
      }
      in_flight_.pop_front();
      backoff_.Reset();
      ++totals_.batches;
      totals_.accepted += ack.accepted();
      totals_.rejected += ack.rejected();
      if (ack.rejected() && totals_.first_reason.empty()) totals_.first_reason = ack.reason();
      return true;
    }
    if (!Recover()) return false;
  }
}

bool Pusher::Send(v1::PushRequest batch) {
  batch.set_agent_id(agent_id_);
  batch.set_seq(next_seq_++);
  while (in_flight_.size() >= window_) {
    if (!ReadAck()) return false;
  }
  in_flight_.push_back(std::move(batch));
  if (stream_) {
    if (stream_->Write(in_flight_.back())) return true;
    if (!Recover()) return false;
  }
  // A new stream starts by sending every unacknowledged batch, this one included.
  return EnsureStream();
}

bool Pusher::Flush() {
  while (!in_flight_.empty()) {
    if (!ReadAck()) return false;
  }
  return true;
}

}  // namespace vigie::cli
