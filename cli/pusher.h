// Sends batches over one Ingest.Push stream with a window of batches in flight, and survives
// vigied restarts: on any transport error it reconnects (exponential backoff with jitter) and
// resends the unacknowledged batches with their original sequence numbers, which vigied
// deduplicates. So every line is stored exactly once.
//
// Not thread-safe: one thread drives a Pusher.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "cli/client.h"
#include "common/backoff.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::cli {

struct PushTotals {
  uint64_t batches = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::string first_reason;  // Of the first batch with rejected entries.
  uint64_t reconnects = 0;
};

class Pusher {
 public:
  Pusher(ClientOptions options, std::string agent_id, size_t window = 4);
  ~Pusher();

  // Queues `batch` (its agent_id and seq are set here); blocks while the window is full.
  // False on an error that retrying cannot fix (bad token, malformed batch); see error().
  bool Send(v1::PushRequest batch);
  // Waits until every batch sent is acknowledged.
  bool Flush();

  const PushTotals& totals() const { return totals_; }
  const grpc::Status& error() const { return error_; }

 private:
  bool EnsureStream();
  bool ReadAck();
  // Ends the broken stream; true when the failure is worth retrying.
  bool Recover();

  ClientOptions options_;
  std::string agent_id_;
  size_t window_;
  uint64_t next_seq_ = 1;
  std::deque<v1::PushRequest> in_flight_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream_;
  PushTotals totals_;
  grpc::Status error_;
  Backoff backoff_;
};

}  // namespace vigie::cli
