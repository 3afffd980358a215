#include "collector/shipper.h"

#include <random>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"

#include "collector/durable_file.h"
#include "common/backoff.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// vigied stores a stream's requests one after the other: a request being stored and one
// waiting keep it busy, and more only hold memory (merged requests reach 8 MiB).
constexpr size_t kMaxInFlightBytes = 16 << 20;

std::shared_ptr<grpc::ChannelCredentials> Credentials(bool tls, const std::string& ca_file,
                                                      absl::Status* status) {
  if (!tls && ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> roots = ReadWholeFile(ca_file);
    if (!roots.ok()) {
      *status = roots.status();
      return nullptr;
    }
    ssl.pem_root_certs = *roots;
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

bool IsPermanentPushError(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
      return true;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's own message size limit ("Received message larger than max"), as opposed to a
      // server that is out of room for now.
      return status.error_message().find("larger than max") != std::string::npos;
    default:
      return false;
  }
}

std::string DescribeStatus(const grpc::Status& status) {
  // gRPC status codes are absl's.
  return StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())), ": ",
                status.error_message());
}

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

Shipper::Shipper(Options options, BatchQueue* queue, Metrics* metrics, ShipperEvents* events)
    : options_(std::move(options)), queue_(queue), metrics_(metrics), events_(events) {}

Shipper::~Shipper() { Stop(std::chrono::milliseconds(0)); }

absl::StatusOr<std::shared_ptr<grpc::Channel>> ShipperChannel(const Shipper::Options& options) {
  absl::Status status;
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      Credentials(options.tls, options.tls_ca_file, &status);
  if (!status.ok()) return status;
  grpc::ChannelArguments args;
  // The channel's own reconnection follows the same bounds as the stream retries.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(options.backoff_min.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options.backoff_min.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options.backoff_max.count()));
  return grpc::CreateCustomChannel(options.server, credentials, args);
}

absl::Status Shipper::Start() {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ShipperChannel(options_);
  if (!channel.ok()) return channel.status();
  stub_ = std::make_unique<PushStub>(*std::move(channel));
  maybe_sent_through_ = queue_->LastSeq();  // What a previous run spooled may have been sent.
  merge_limit_ = options_.max_request_bytes;
  queue_->SetAppendListener([this] { Wake(); });
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
  queue_->SetAppendListener(nullptr);
}

void Shipper::Wake() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

bool Shipper::Done(std::chrono::steady_clock::time_point now) const {
  return stopping_ && (now >= drain_deadline_ || queue_->FirstUnresolved() == 0);
}

void Shipper::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max, std::random_device()());
  Clock::time_point failing_since;  // Of the errors since the last ack.
  std::unique_lock lock(mu_);
  while (!Done(Clock::now())) {
    lock.unlock();
    StreamResult result = RunStream();
    lock.lock();
    if (result.acked) backoff.Reset();
    std::chrono::milliseconds delay = backoff.Next();
    if (result.failed) {
      if (!failed_) failing_since = result.failing_since;  // OnAck clears failed_.
      failed_ = true;
      lock.unlock();
      if (GiveUp(result, failing_since, &delay)) return;
      lock.lock();
    }
    auto retry = Clock::now() + delay;
    while (!Done(Clock::now()) && Clock::now() < retry) {
      cv_.wait_until(lock, stopping_ ? std::min(retry, drain_deadline_) : retry);
    }
  }
}

bool Shipper::GiveUp(const StreamResult& result, Clock::time_point failing_since,
                     std::chrono::milliseconds* delay) {
  ShipperEvents::StreamFailure failure{result.status, *delay, std::nullopt};
  if (options_.give_up_after) {
    auto now = Clock::now();
    auto give_up_at = failing_since + *options_.give_up_after;
    if (IsPermanentPushError(result.status) || now >= give_up_at) {
      failure.retry_in.reset();
      events_->OnStreamFailed(failure);
      return true;
    }
    // One last try when the time is up.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(give_up_at - now);
    *delay = std::min(*delay, left);
    failure.retry_in = *delay;
    failure.give_up_in = left;
  }
  events_->OnStreamFailed(failure);
  return false;
}

Shipper::StreamResult Shipper::RunStream() {
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
  std::optional<Clock::time_point> unacknowledged_since;  // Ended for want of an ack.
  while (true) {
    auto now = Clock::now();
    if (Done(now) || call.broken()) break;
    if (!in_flight_.empty() && now - in_flight_.front().sent > options_.ack_timeout) {
      unacknowledged_since = in_flight_.front().sent;
      break;
    }
    // Always one request in flight, however large; more within the window and the byte cap.
    bool room = in_flight_.empty() ||
                (in_flight_.size() < options_.window && in_flight_bytes_ < kMaxInFlightBytes);
    if (room && !call.busy()) {
      lock.unlock();
      std::optional<BatchQueue::Outgoing> next =
          queue_->Next(sent_through, sent_through >= maybe_sent_through_ ? merge_limit_ : 0);
      lock.lock();
      if (next) {
        // In the window before it is sent: its ack may come back before StartSend returns.
        size_t bytes = next->request.size();
        in_flight_.push_back({next->seq, bytes, Clock::now()});
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
  StreamResult result{.acked = acked_};
  lock.unlock();
  maybe_sent_through_ = std::max(maybe_sent_through_, sent_through);
  grpc::Status status = call.Finish(graceful, std::chrono::seconds(2));
  metrics_->connected.Set(0);
  metrics_->batches_in_flight.Set(0);
  if (graceful || (stopping_ && status.error_code() == grpc::StatusCode::CANCELLED)) return result;
  metrics_->stream_failures.Increment();
  result.failed = true;
  result.failing_since = unacknowledged_since.value_or(Clock::now());
  result.status = unacknowledged_since
                      ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                     StrCat("no acknowledgement within the ack timeout of ",
                                            options_.ack_timeout.count(), " ms"))
                      : status;
  // Perhaps a merged request is over what this vigied accepts (its --max-batch-bytes is below
  // our max_request_bytes): merge less from now on. vigie push (give_up_after) cuts its
  // requests at the server's limits instead. A vigied that is only busy (RESOURCE_EXHAUSTED
  // without "larger than max": its in-flight budget is full) says nothing of the size: the
  // backoff alone applies, or every busy spell would shrink the requests for good.
  bool too_large =
      status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
      (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && IsPermanentPushError(status));
  if (too_large && merge_limit_ > 0 && !options_.give_up_after) {
    merge_limit_ /= 2;
    spdlog::warn("vigied refused a request ({}); merging batches up to {} bytes from now on",
                 DescribeStatus(status), merge_limit_);
  }
  return result;
}

void Shipper::OnAck(const v1::PushAck& ack) {
  bool recovered = false;
  {
    std::lock_guard lock(mu_);
    while (!in_flight_.empty() && in_flight_.front().seq <= ack.seq()) {
      in_flight_bytes_ -= in_flight_.front().bytes;
      in_flight_.pop_front();
    }
    if (!acked_) {
      acked_ = true;
      metrics_->connected.Set(1);
      recovered = failed_;
      failed_ = false;
    }
    metrics_->batches_in_flight.Set(static_cast<double>(in_flight_.size()));
    cv_.notify_all();
  }
  if (recovered) events_->OnRecovered();
  events_->OnAck(ack);
  metrics_->batches_acked.Increment(static_cast<double>(queue_->Acknowledge(ack.seq())));
  if (ack.duplicate()) metrics_->batches_duplicate.Increment();
  // The counts include the samples, which the fields beside them single out.
  metrics_->entries_acked.Increment(static_cast<double>(ack.accepted() - ack.samples_accepted()));
  metrics_->samples_acked.Increment(static_cast<double>(ack.samples_accepted()));
  metrics_->entries_rejected.Increment(
      static_cast<double>(ack.rejected() - ack.samples_rejected()));
  metrics_->samples_rejected.Increment(static_cast<double>(ack.samples_rejected()));
}

}  // namespace vigie::collector
