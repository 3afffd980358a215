#include "server/grpc_ingest_service.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include "common/strings.h"
#include "server/arena_message.h"
#include "server/proto_convert.h"

namespace vigie::server {

namespace {

constexpr size_t kMaxAgentIdBytes = 256;

// Number of batches of one Push stream between being read and being acknowledged: one
// committing (written and fsync'ed), one being prepared (validated and encoded), one arriving.
constexpr size_t kMaxBatchesInFlight = 3;

// Reads batches, stores them and acknowledges them in the order they came, each only once it is
// durable. The next batch is read and prepared (Ingester::Prepare) while the previous one
// commits, so that one sender keeps the encoder threads and the disk busy at the same time.
// Commits run one at a time in arrival order: a sender's batches are stored in its seq order,
// and after a failure nothing later is stored (the sender resends from the first unacknowledged).
//
// Threading: gRPC may run OnReadDone and OnWriteDone at the same time on its callback threads.
// The work runs inside OnReadDone, so it ends before OnDone. mu_ guards the state.
class PushReactor final : public grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck> {
 public:
  PushReactor(Ingester* ingester, RequestBudget* budget, MetadataRegistry* metadata,
              grpc::CallbackServerContext* context, absl::Status auth)
      : ingester_(ingester),
        budget_(budget),
        metadata_(metadata),
        context_(context),
        peer_(context->peer()) {
    if (!auth.ok()) {
      Finish(ToGrpcStatus(auth));
      return;
    }
    reading_ = true;
    StartRead(request_.get());
  }

  void OnReadDone(bool ok) override {
    std::unique_lock lock(mu_);
    reading_ = false;
    if (!ok || finishing_) {
      client_done_ = true;  // The client closed its side, or we are failing the call.
      Act(lock);
      return;
    }
    RequestBudget::Reservation reservation =
        budget_ ? budget_->NewReservation() : RequestBudget::Reservation();
    if (!reservation.Grow(request_->ByteSizeLong())) {
      request_ =
          ArenaMessage<v1::PushRequest>();  // Its memory goes back now, not when the call ends.
      client_done_ = true;
      context_->AddTrailingMetadata("grpc-retry-pushback-ms",
                                    std::to_string(RequestBudget::kRetryAfterSeconds * 1000));
      Fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, budget_->ExhaustedMessage()));
      Act(lock);
      return;
    }
    ArenaMessage<v1::PushRequest> owned = std::exchange(request_, ArenaMessage<v1::PushRequest>());
    v1::PushRequest& request = *owned;
    uint64_t index = next_read_++;
    ++in_flight_;
    Act(lock);  // Reads the next batch while this one is prepared.

    uint64_t seq = request.seq();
    KeepMetadata(request);
    absl::StatusOr<PreparedIngest> prepared =
        request.agent_id().size() > kMaxAgentIdBytes
            ? absl::InvalidArgumentError(
                  StrCat("agent_id is longer than ", kMaxAgentIdBytes, " bytes"))
            : ingester_->Prepare(BatchFromProto(std::move(request), peer_));
    lock.lock();
    prepared_.emplace(index, Prepared{seq, std::move(prepared), std::move(reservation)});
    CommitInOrder(lock);
    Act(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    acks_.pop_front();
    if (!ok) {
      acks_.clear();  // They cannot be delivered either.
      Fail(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    Act(lock);
  }

  void OnDone() override { delete this; }

 private:
  struct Prepared {
    uint64_t seq;
    absl::StatusOr<PreparedIngest> batch;
    RequestBudget::Reservation reservation;  // Given back once committed or refused.
  };

  // Metadata is kept in memory only, as remote_write's: a duplicate's is as good as the first.
  void KeepMetadata(const v1::PushRequest& request) {
    if (!metadata_) return;
    for (const v1::MetricMetadata& m : request.metadata()) {
      metadata_->Set(m.metric(), {m.type(), m.help(), m.unit()});
    }
  }

  // Commits the prepared batches whose turn has come, unless another thread is committing (it
  // will take them) or the call is failing. Called with mu_ held; releases it while committing.
  void CommitInOrder(std::unique_lock<std::mutex>& lock) {
    while (!committing_ && !finishing_) {
      auto it = prepared_.find(next_commit_);
      if (it == prepared_.end()) return;
      Prepared next = std::move(it->second);
      prepared_.erase(it);
      committing_ = true;
      lock.unlock();
      absl::StatusOr<IngestOutcome> outcome =
          next.batch.ok() ? ingester_->Commit(*std::move(next.batch)) : next.batch.status();
      next.reservation.Release();  // Before the ack: a sender that has it may push again.
      lock.lock();
      committing_ = false;
      ++next_commit_;
      --in_flight_;
      if (!outcome.ok()) {
        Fail(ToGrpcStatus(outcome.status()));
        return;
      }
      v1::PushAck& ack = acks_.emplace_back();
      ack.set_seq(next.seq);
      ack.set_accepted(outcome->accepted);
      ack.set_rejected(outcome->rejected);
      ack.set_samples_accepted(outcome->samples_accepted);
      ack.set_samples_rejected(outcome->samples_rejected);
      ack.set_reason(outcome->reason);
      ack.set_duplicate(outcome->duplicate);
      StartReadAndWrite();  // Before the next commit: the ack goes out, a batch comes in.
    }
  }

  // Ends the call with `status` once the acks of the batches already stored are written;
  // nothing more is stored.
  void Fail(grpc::Status status) {
    if (finishing_) return;
    finishing_ = true;
    status_ = std::move(status);
    prepared_.clear();
  }

  // Starts the next read and the next ack write if the state allows. mu_ held. gRPC never runs
  // their reactions inline, and starting them under mu_ means that a Finish decided by another
  // thread cannot come before them.
  void StartReadAndWrite() {
    if (!reading_ && !client_done_ && !finishing_ && in_flight_ < kMaxBatchesInFlight) {
      reading_ = true;
      StartRead(request_.get());
    }
    // Acks of stored batches go out even when the call is failing: the sender then resends less.
    if (!writing_ && !finished_ && !acks_.empty()) {
      writing_ = true;
      StartWrite(&acks_.front());
    }
  }

  // Starts what the state calls for: the next read, the next ack, or the end of the call.
  // Called with mu_ held; returns with it released.
  void Act(std::unique_lock<std::mutex>& lock) {
    StartReadAndWrite();
    bool drained = client_done_ && in_flight_ == 0;
    // A commit under way ends with an ack to send first.
    bool finish =
        !finished_ && !writing_ && !committing_ && acks_.empty() && (finishing_ || drained);
    finished_ |= finish;
    grpc::Status status = finish ? status_ : grpc::Status::OK;
    lock.unlock();
    // Finish may run its reaction inline: never under mu_.
    if (finish) Finish(std::move(status));
  }

  Ingester* ingester_;
  RequestBudget* budget_;                 // Null: unbounded.
  MetadataRegistry* metadata_;            // Null: metadata ignored.
  grpc::CallbackServerContext* context_;  // gRPC's; valid until OnDone.
  const std::string peer_;                // Whose stream budget a batch without agent_id uses.
  // Filled by the pending read; parsed into an arena of its own, freed at once (arena_message.h).
  ArenaMessage<v1::PushRequest> request_;

  std::mutex mu_;
  bool reading_ = false, writing_ = false, committing_ = false;
  bool client_done_ = false;  // No more batches will be read.
  bool finishing_ = false;    // Failed: status_ is set, nothing more is stored.
  bool finished_ = false;     // Finish has been called.
  grpc::Status status_;
  size_t in_flight_ = 0;  // Read and not yet committed.
  uint64_t next_read_ = 0, next_commit_ = 0;
  std::map<uint64_t, Prepared> prepared_;  // By arrival index, waiting for their turn.
  std::deque<v1::PushAck> acks_;           // The front one is being written when writing_.
};

}  // namespace

std::string AuthorizationOf(const grpc::CallbackServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

int MaxPushMessageBytes(const Limits& limits) {
  uint64_t bytes = limits.max_batch_bytes * 2 + (1 << 20);
  return static_cast<int>(std::min<uint64_t>(bytes, std::numeric_limits<int>::max()));
}

grpc::ServerUnaryReactor* IngestService::Limits(grpc::CallbackServerContext* context,
                                                const v1::LimitsRequest*,
                                                v1::IngestLimits* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status auth = auth_->Check(AuthorizationOf(context), Scope::kIngest);
  if (!auth.ok()) {
    reactor->Finish(ToGrpcStatus(auth));
    return reactor;
  }
  response->set_max_line_bytes(limits_.max_line_bytes);
  response->set_max_batch_bytes(limits_.max_batch_bytes);
  response->set_max_message_bytes(static_cast<uint64_t>(MaxPushMessageBytes(limits_)));
  response->set_max_labels_per_stream(limits_.max_labels_per_stream);
  response->set_max_label_name_bytes(limits_.max_label_name_bytes);
  response->set_max_label_value_bytes(limits_.max_label_value_bytes);
  response->set_max_labels_per_series(limits_.max_labels_per_series);
  response->set_max_samples_per_request(limits_.max_samples_per_request);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerBidiReactor<v1::PushRequest, v1::PushAck>* IngestService::Push(
    grpc::CallbackServerContext* context) {
  return new PushReactor(ingester_, budget_, metadata_, context,
                         auth_->Check(AuthorizationOf(context), Scope::kIngest));
}

}  // namespace vigie::server
