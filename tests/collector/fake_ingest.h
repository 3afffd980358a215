// An in-process vigie.v1.Ingest server for the collector's tests: it stores what it receives
// in memory, deduplicates by (agent_id, seq) as vigied does, and injects faults on demand.
//
// Thread safety: all methods may be called from the test thread while gRPC threads serve.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::collector::testing {

struct StoredEntry {
  std::map<std::string, std::string> labels;
  int64_t ts_ns;
  std::string line;
};

class FakeIngest final : public v1::Ingest::Service {
 public:
  FakeIngest();  // Listening on 127.0.0.1, on a port picked once and kept across Restart().
  ~FakeIngest() override;

  const std::string& address() const { return address_; }
  void Stop();     // Shuts the server down (clients see the connection fail).
  void Restart();  // Serves again on the same port, keeping what was stored.

  // Faults. The next `n` batches are stored but their streams are then cut before the ack (a
  // crash between commit and ack): the collector must resend them and get `duplicate`.
  void CutAfterStore(int n);
  // Every ack waits this long (a slow server).
  void SetAckDelay(std::chrono::milliseconds delay);
  // Requests larger than this end their stream with INVALID_ARGUMENT (0: no limit).
  void SetMaxRequestBytes(size_t bytes);

  std::vector<StoredEntry> Entries() const;
  std::vector<std::string> Lines() const;
  uint64_t batches() const;           // Distinct batches stored.
  uint64_t duplicates() const;        // Batches received again and acknowledged as duplicates.
  std::string authorization() const;  // The last `authorization` metadata seen.

  grpc::Status Push(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) override;

 private:
  void Serve(int port);

  std::string address_;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> applied_;  // agent_id -> highest seq applied
  std::vector<StoredEntry> entries_;
  uint64_t batches_ = 0, duplicates_ = 0;
  int cut_after_store_ = 0;
  std::chrono::milliseconds ack_delay_{0};
  size_t max_request_bytes_ = 0;
  std::string authorization_;
};

}  // namespace vigie::collector::testing
