#include "tests/collector/fake_ingest.h"

#include <thread>

namespace vigie::collector::testing {

FakeIngest::FakeIngest() { Serve(0); }

FakeIngest::~FakeIngest() { Stop(); }

void FakeIngest::Serve(int port) {
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  address_ = "127.0.0.1:" + std::to_string(bound);
}

void FakeIngest::Stop() {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  server_->Wait();
  server_.reset();
}

void FakeIngest::Restart() {
  Stop();
  Serve(std::stoi(address_.substr(address_.rfind(':') + 1)));
}

void FakeIngest::CutAfterStore(int n) {
  std::lock_guard lock(mu_);
  cut_after_store_ = n;
}

void FakeIngest::SetAckDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  ack_delay_ = delay;
}

void FakeIngest::SetMaxRequestBytes(size_t bytes) {
  std::lock_guard lock(mu_);
  max_request_bytes_ = bytes;
}

std::vector<StoredEntry> FakeIngest::Entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::vector<std::string> FakeIngest::Lines() const {
  std::vector<std::string> lines;
  for (const StoredEntry& e : Entries()) lines.push_back(e.line);
  return lines;
}

uint64_t FakeIngest::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t FakeIngest::duplicates() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}

std::string FakeIngest::authorization() const {
  std::lock_guard lock(mu_);
  return authorization_;
}

grpc::Status FakeIngest::Push(grpc::ServerContext* context,
                              grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) {
  {
    std::lock_guard lock(mu_);
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      authorization_ = std::string(it->second.data(), it->second.size());
    }
  }
  v1::PushRequest request;
  while (stream->Read(&request)) {
    v1::PushAck ack;
    ack.set_seq(request.seq());
    std::chrono::milliseconds delay;
    bool cut = false;
    {
      std::lock_guard lock(mu_);
      if (max_request_bytes_ > 0 && request.ByteSizeLong() > max_request_bytes_) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "fault: request too large");
      }
      uint64_t& applied = applied_[request.agent_id()];
      uint64_t count = 0;
      for (const v1::Stream& s : request.streams()) count += s.entries_size();
      ack.set_accepted(count);
      if (request.seq() != 0 && request.seq() <= applied) {
        ack.set_duplicate(true);
        ++duplicates_;
      } else {
        applied = std::max(applied, request.seq());
        ++batches_;
        for (const v1::Stream& s : request.streams()) {
          std::map<std::string, std::string> labels;
          for (const v1::Label& l : s.labels()) labels[l.name()] = l.value();
          for (const v1::Entry& e : s.entries()) entries_.push_back({labels, e.ts_ns(), e.line()});
        }
        if (cut_after_store_ > 0) {
          --cut_after_store_;
          cut = true;
        }
      }
      delay = ack_delay_;
    }
    if (cut) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "fault: cut after store");
    std::this_thread::sleep_for(delay);
    if (!stream->Write(ack)) break;
  }
  return grpc::Status::OK;
}

}  // namespace vigie::collector::testing
