// Sends a queue's batches to vigied over one Ingest.Push stream and gives each ack back to the
// queue, which resolves the batch (for the collector's spool: passes its cursors on to the
// checkpoints). The one window-and-resend implementation, shared by the collector (from its
// spool) and `vigie push` (from a MemoryQueue).
//
// - Up to `window` requests (and 16 MiB) in flight; vigied acks them in order once each is
//   durable.
// - Any stream error: wait (exponential backoff with jitter), reconnect, and resend from the
//   oldest unacknowledged batch; vigied acks those it had already stored as duplicates.
// - No ack for `ack_timeout` while batches are in flight: the stream is cancelled and
//   reopened (a server that hangs without closing the connection).
// - The collector retries every error until stopped. With `give_up_after` set (vigie push),
//   the shipper gives up at the first permanent error (IsPermanentPushError), or when errors
//   have lasted that long without an ack, and stops.
// - Requests carry `authorization: Bearer <token>` when a token is set, and are compressed
//   with `compression`.
//
// What happens to the stream is told to ShipperEvents, for the owner to log or print.
//
// Thread safety: Start and Stop from the owner; the shipper runs its own thread, and acks
// arrive on gRPC threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <grpc/compression.h>

#include "absl/status/statusor.h"
#include "collector/batch_queue.h"
#include "collector/metrics.h"
#include "collector/push_call.h"

namespace vigie::collector {

// True for an error that sending again cannot fix: a refused token, a malformed or oversized
// request. UNAVAILABLE, a timeout, or a server that is out of room for now are transient.
bool IsPermanentPushError(const grpc::Status& status);
// "UNAVAILABLE: failed to connect ...": the status code's name and the message.
std::string DescribeStatus(const grpc::Status& status);

// Reports from the shipper to its owner. Calls come one at a time: OnAck on gRPC threads,
// the others on the shipper's thread. They must not call back into the shipper.
class ShipperEvents {
 public:
  virtual ~ShipperEvents() = default;

  // vigied acknowledged a request; called before the queue resolves its batches.
  virtual void OnAck(const v1::PushAck& ack) = 0;

  struct StreamFailure {
    // From vigied or the transport; DEADLINE_EXCEEDED when the shipper ended a stream that
    // stopped acknowledging.
    grpc::Status status;
    // When the shipper reconnects; nullopt when it has given up and stopped.
    std::optional<std::chrono::milliseconds> retry_in;
    // With Options::give_up_after: how long errors may go on before the shipper gives up.
    std::optional<std::chrono::milliseconds> give_up_in;
  };
  virtual void OnStreamFailed(const StreamFailure& failure) = 0;

  // An ack arrived after a stream failure.
  virtual void OnRecovered() = 0;
};

class Shipper {
 public:
  struct Options {
    std::string server = "127.0.0.1:4317";
    std::string token;
    bool tls = false;         // TLS, verified against tls_ca_file or else the system's roots.
    std::string tls_ca_file;  // Set: TLS, verifying the server against these roots.
    grpc_compression_algorithm compression = GRPC_COMPRESS_GZIP;
    size_t window = 8;
    // Batches waiting together (vigied slower than the inputs, a backlog after an outage) go
    // out as one request up to this size: vigied makes each request durable with one write.
    size_t max_request_bytes = 8 << 20;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{10000};
    std::chrono::milliseconds ack_timeout{30000};
    // Unset: retry every error until stopped (the collector). Set: give up at the first
    // permanent error, or once errors have lasted this long without an ack (0: at the first).
    std::optional<std::chrono::milliseconds> give_up_after;
  };

  // `queue`, `metrics` and `events` must outlive the shipper.
  Shipper(Options options, BatchQueue* queue, Metrics* metrics, ShipperEvents* events);
  ~Shipper();

  absl::Status Start();
  // Keeps sending for up to `drain` until every queued batch is acknowledged, then closes
  // the stream and stops. What is left stays in the queue (the spool: for the next start).
  void Stop(std::chrono::milliseconds drain);

 private:
  using Clock = std::chrono::steady_clock;
  struct InFlight {
    uint64_t seq;
    size_t bytes;
    Clock::time_point sent;
  };
  struct StreamResult {
    bool acked = false;   // The stream got an ack.
    bool failed = false;  // It ended with an error, in `status`...
    grpc::Status status;
    Clock::time_point failing_since;  // ...which started then (the oldest unacked send).
  };

  void Run();
  // One stream, from connection to failure or stop.
  StreamResult RunStream();
  // Whether to give up after `result`, and when to retry otherwise; tells events_.
  bool GiveUp(const StreamResult& result, Clock::time_point failing_since,
              std::chrono::milliseconds* delay);
  void OnAck(const v1::PushAck& ack);
  void Wake();
  // Stopping, and nothing is left to send or the drain time is over. mu_ held.
  bool Done(Clock::time_point now) const;

  const Options options_;
  BatchQueue* const queue_;
  Metrics* const metrics_;
  ShipperEvents* const events_;
  std::unique_ptr<PushStub> stub_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<InFlight> in_flight_;
  size_t in_flight_bytes_ = 0;
  bool acked_ = false;   // The current stream got an ack.
  bool failed_ = false;  // The last stream failed and no ack has come since.
  bool stopping_ = false;
  Clock::time_point drain_deadline_;
  std::thread thread_;
  // Batches up to this seq may have been sent already (before a stream failure or a restart):
  // they are resent one per request with their own seq, never merged with newer ones, so that
  // vigied's dedup by seq sees each exactly as before. Used by the shipper thread only.
  uint64_t maybe_sent_through_ = 0;
  // Requests merge batches up to this size: max_request_bytes, halved each time vigied refuses
  // a request as too large or malformed. Used by the shipper thread only.
  size_t merge_limit_ = 0;
};

// The channel a shipper with `options` sends on (server, TLS, reconnection backoff), for the
// other calls of its owner.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ShipperChannel(const Shipper::Options& options);

// Parses "auto", "gzip", "deflate" or "none". "auto" compresses unless `server` is a loopback
// address, where compression only costs CPU.
absl::StatusOr<grpc_compression_algorithm> ParseCompression(const std::string& name,
                                                            const std::string& server);

}  // namespace vigie::collector
