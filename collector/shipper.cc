#include "collector/shipper.h"

#include <random>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// vigied stores a stream's requests one after the other: a request being stored and one
// waiting keep it busy, and more only hold memory (merged requests reach 8 MiB).
constexpr size_t kMaxInFlightBytes = 16 << 20;

std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& ca_file,
                                                      absl::Status* status) {
  if (ca_file.empty()) return grpc::InsecureChannelCredentials();
  absl::StatusOr<std::string> roots = ReadWholeFile(ca_file);
  if (!roots.ok()) {
    *status = roots.status();
    return nullptr;
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *roots;
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<grpc_compression_algorithm> ParseCompression(const std::string& name,
                                                            const std::string& server) {
  if (name == "none") return GRPC_COMPRESS_NONE;
  if (name == "gzip") return GRPC_COMPRESS_GZIP;
  if (name == "deflate") return GRPC_COMPRESS_DEFLATE;
  if (name == "auto") {
    bool loopback = server.starts_with("127.") || server.starts_with("localhost:") ||
                    server.starts_with("[::1]") || server.starts_with("unix:");
    return loopback ? GRPC_COMPRESS_NONE : GRPC_COMPRESS_GZIP;
  }
  return absl::InvalidArgumentError(
      StrCat("compression \"", name, "\": expected auto, gzip, deflate or none"));
}

Shipper::Shipper(Options options, Spool* spool, Metrics* metrics)
    : options_(std::move(options)), spool_(spool), metrics_(metrics) {}

Shipper::~Shipper() { Stop(std::chrono::milliseconds(0)); }

absl::Status Shipper::Start() {
  absl::Status status;
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      Credentials(options_.tls_ca_file, &status);
  if (!status.ok()) return status;
  grpc::ChannelArguments args;
  // The channel's own reconnection follows the same bounds as the stream retries.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(options_.backoff_min.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoff_min.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoff_max.count()));
  stub_ = std::make_unique<PushStub>(grpc::CreateCustomChannel(options_.server, credentials, args));
  maybe_sent_through_ = spool_->LastSeq();  // What a previous run left may have been sent.
  merge_limit_ = options_.max_request_bytes;
  spool_->SetAppendListener([this] { Wake(); });
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void Shipper::Stop(std::chrono::milliseconds drain) {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + drain;
  }
  cv_.notify_all();
  thread_.join();
  spool_->SetAppendListener(nullptr);
}

void Shipper::Wake() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

bool Shipper::Done(std::chrono::steady_clock::time_point now) const {
  return stopping_ && (now >= drain_deadline_ || spool_->FirstUnresolved() == 0);
}

void Shipper::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max, std::random_device()());
  std::unique_lock lock(mu_);
  while (!Done(std::chrono::steady_clock::now())) {
    lock.unlock();
    bool acked = RunStream();
    lock.lock();
    if (acked) backoff.Reset();
    auto retry = std::chrono::steady_clock::now() + backoff.Next();
    while (!Done(std::chrono::steady_clock::now()) && std::chrono::steady_clock::now() < retry) {
      cv_.wait_until(lock, stopping_ ? std::min(retry, drain_deadline_) : retry);
    }
  }
}

bool Shipper::RunStream() {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options_.token.empty()) context->AddMetadata("authorization", "Bearer " + options_.token);
  context->set_compression_algorithm(options_.compression);
  PushCall call(
      stub_.get(), std::move(context), [this](const v1::PushAck& ack) { OnAck(ack); },
      [this] { Wake(); });
  uint64_t sent_through = 0;  // Next(0) starts at the oldest unresolved batch.
  std::unique_lock lock(mu_);
  in_flight_.clear();
  in_flight_bytes_ = 0;
  acked_ = false;
  const char* ended_by = nullptr;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (Done(now) || call.broken()) break;
    if (!in_flight_.empty() && now - in_flight_.front().sent > options_.ack_timeout) {
      ended_by = "no acknowledgement within the ack timeout";
      break;
    }
    // Always one request in flight, however large; more within the window and the byte cap.
    bool room = in_flight_.empty() ||
                (in_flight_.size() < options_.window && in_flight_bytes_ < kMaxInFlightBytes);
    if (room && !call.busy()) {
      lock.unlock();
      std::optional<Spool::Outgoing> next =
          spool_->Next(sent_through, sent_through >= maybe_sent_through_ ? merge_limit_ : 0);
      lock.lock();
      if (next) {
        // In the window before it is sent: its ack may come back before StartSend returns.
        size_t bytes = next->request.size();
        in_flight_.push_back({next->seq, bytes, std::chrono::steady_clock::now()});
        in_flight_bytes_ += bytes;
        lock.unlock();
        bool sent = call.StartSend(std::move(next->request));
        lock.lock();
        if (sent) {
          sent_through = next->seq;
          metrics_->batches_sent.Increment(static_cast<double>(next->batches));
          metrics_->batches_in_flight.Set(static_cast<double>(in_flight_.size()));
          continue;
        }
        in_flight_.pop_back();  // The call broke: nothing can acknowledge it.
        in_flight_bytes_ -= bytes;
      }
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  bool graceful = stopping_ && in_flight_.empty();
  bool acked = acked_;
  lock.unlock();
  maybe_sent_through_ = std::max(maybe_sent_through_, sent_through);
  grpc::Status status = call.Finish(graceful, std::chrono::seconds(2));
  metrics_->connected.Set(0);
  metrics_->batches_in_flight.Set(0);
  if (graceful || (stopping_ && status.error_code() == grpc::StatusCode::CANCELLED)) return acked;
  metrics_->stream_failures.Increment();
  if ((status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
       status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) &&
      merge_limit_ > 0) {
    // Perhaps a merged request is over what this vigied accepts (its --max-batch-bytes is
    // below our max_request_bytes): merge less from now on.
    merge_limit_ /= 2;
    spdlog::warn("vigied refused a request ({}); merging batches up to {} bytes from now on",
                 status.error_message(), merge_limit_);
  }
  std::string error =
      ended_by ? ended_by
               : StrCat(static_cast<int>(status.error_code()), " ", status.error_message());
  auto now = std::chrono::steady_clock::now();
  if (error != last_error_ || now - last_error_log_ > std::chrono::minutes(1)) {
    spdlog::warn("push stream to {} ended: {}; reconnecting with backoff", options_.server, error);
    last_error_ = error;
    last_error_log_ = now;
  }
  return acked;
}

void Shipper::OnAck(const v1::PushAck& ack) {
  {
    std::lock_guard lock(mu_);
    while (!in_flight_.empty() && in_flight_.front().seq <= ack.seq()) {
      in_flight_bytes_ -= in_flight_.front().bytes;
      in_flight_.pop_front();
    }
    if (!acked_) {
      acked_ = true;
      metrics_->connected.Set(1);
      if (!last_error_.empty()) {
        spdlog::info("push stream to {} is working again", options_.server);
        last_error_.clear();
      }
    }
    metrics_->batches_in_flight.Set(static_cast<double>(in_flight_.size()));
    cv_.notify_all();
  }
  metrics_->batches_acked.Increment(static_cast<double>(spool_->Acknowledge(ack.seq())));
  if (ack.duplicate()) metrics_->batches_duplicate.Increment();
  metrics_->entries_acked.Increment(static_cast<double>(ack.accepted()));
  if (ack.rejected() > 0) {
    metrics_->entries_rejected.Increment(static_cast<double>(ack.rejected()));
    auto now = std::chrono::steady_clock::now();
    if (now - last_reject_log_ > std::chrono::seconds(10)) {
      // At most one line per 10 s: a misconfigured label could otherwise flood the log.
      spdlog::warn(
          "vigied refused {} entries of batch {}: {} (see "
          "vigie_collector_entries_rejected_total)",
          ack.rejected(), ack.seq(), ack.reason());
      last_reject_log_ = now;
    }
  }
}

}  // namespace vigie::collector
