// Sends the spool's batches to vigied over one Ingest.Push stream and gives each ack back to
// the spool, which resolves the batch and passes its cursors on to the checkpoints.
//
// - Up to `window` requests (and 16 MiB) in flight; vigied acks them in order once each is
//   durable.
// - Any stream error: wait (exponential backoff with jitter), reconnect, and resend from the
//   oldest unacknowledged batch; vigied acks those it had already stored as duplicates.
// - No ack for `ack_timeout` while batches are in flight: the stream is cancelled and
//   reopened (a server that hangs without closing the connection).
// - Requests carry `authorization: Bearer <token>` when a token is set, and are compressed
//   with `compression`.
//
// Thread safety: Start and Stop from the owner; the shipper runs its own thread, and acks
// arrive on gRPC threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpc/compression.h>

#include "collector/metrics.h"
#include "collector/push_call.h"
#include "collector/spool.h"
#include "common/backoff.h"

namespace vigie::collector {

class Shipper {
 public:
  struct Options {
    std::string server = "127.0.0.1:4317";
    std::string token;
    std::string tls_ca_file;  // Set: TLS, verifying the server against these roots.
    grpc_compression_algorithm compression = GRPC_COMPRESS_GZIP;
    size_t window = 8;
    // Batches waiting together (vigied slower than the inputs, a backlog after an outage) go
    // out as one request up to this size: vigied makes each request durable with one write.
    size_t max_request_bytes = 8 << 20;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{10000};
    std::chrono::milliseconds ack_timeout{30000};
  };

  // `spool` and `metrics` must outlive the shipper.
  Shipper(Options options, Spool* spool, Metrics* metrics);
  ~Shipper();

  absl::Status Start();
  // Keeps sending for up to `drain` until every spooled batch is acknowledged, then closes
  // the stream and stops. What is left stays in the spool for the next start.
  void Stop(std::chrono::milliseconds drain);

 private:
  struct InFlight {
    uint64_t seq;
    size_t bytes;
    std::chrono::steady_clock::time_point sent;
  };

  void Run();
  // One stream, from connection to failure or stop. True if it got an ack.
  bool RunStream();
  void OnAck(const v1::PushAck& ack);
  void Wake();
  // Stopping, and nothing is left to send or the drain time is over. mu_ held.
  bool Done(std::chrono::steady_clock::time_point now) const;

  const Options options_;
  Spool* const spool_;
  Metrics* const metrics_;
  std::unique_ptr<PushStub> stub_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<InFlight> in_flight_;
  size_t in_flight_bytes_ = 0;
  bool acked_ = false;  // The current stream got an ack.
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::thread thread_;
  // Batches up to this seq may have been sent already (before a stream failure or a restart):
  // they are resent one per request with their own seq, never merged with newer ones, so that
  // vigied's dedup by seq sees each exactly as before. Used by the shipper thread only.
  uint64_t maybe_sent_through_ = 0;
  // Requests merge batches up to this size: max_request_bytes, halved each time vigied refuses
  // a request as too large or malformed. Used by the shipper thread only.
  size_t merge_limit_ = 0;
  std::string last_error_;
  std::chrono::steady_clock::time_point last_error_log_;
  std::chrono::steady_clock::time_point last_reject_log_;  // Acks arrive one at a time.
};

// Parses "auto", "gzip", "deflate" or "none". "auto" compresses unless `server` is a loopback
// address, where compression only costs CPU.
absl::StatusOr<grpc_compression_algorithm> ParseCompression(const std::string& name,
                                                            const std::string& server);

}  // namespace vigie::collector
