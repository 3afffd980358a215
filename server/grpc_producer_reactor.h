// A server-streaming reactor fed by a producer running on its own thread: the producer blocks
// on a small queue (so a slow client slows the query instead of growing memory: at most
// kQueueDepth + 1 responses are held) and learns of cancellation through its sink. The status
// the producer returns ends the stream after every queued response was written, so an error
// met mid-stream reaches the client after the entries sent before it. Serves Query.Grep and
// Query.Tail. Each response lives in an arena of its own (arena_message.h): hundreds of entries
// per message are allocated and freed at once.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "server/arena_message.h"

namespace vigie::server {

template <typename Response>
class ProducerWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  // The producer's view of the stream.
  class Sink {
   public:
    explicit Sink(ProducerWriteReactor* reactor) : reactor_(reactor) {}
    // Queues a response; blocks while the queue is full. False once the client is gone, or
    // when the deadline passed while waiting (then timed_out() is true).
    bool Send(ArenaMessage<Response> response) {
      return reactor_->Enqueue(std::move(response), deadline_, &timed_out_);
    }
    bool cancelled() const {
      std::lock_guard lock(reactor_->mu_);
      return reactor_->cancelled_;
    }
    // A client that stops reading must not hold the producer (and its query) forever.
    void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
    bool timed_out() const { return timed_out_; }

   private:
    friend class ProducerWriteReactor;
    ProducerWriteReactor* reactor_;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    bool timed_out_ = false;
  };
  using Producer = std::function<grpc::Status(Sink& sink)>;

  // Starts the producer thread. The reactor deletes itself when gRPC is done with it.
  explicit ProducerWriteReactor(Producer producer) {
    thread_ = std::thread([this, producer = std::move(producer)] {
      Sink sink(this);
      grpc::Status status = producer(sink);
      std::lock_guard lock(mu_);
      producer_done_ = true;
      final_status_ = std::move(status);
      MaybeProgressLocked();
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) cancelled_ = true;
    cv_.notify_all();
    MaybeProgressLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

  void OnDone() override {
    thread_.join();
    delete this;
  }

 private:
  static constexpr size_t kQueueDepth = 4;

  bool Enqueue(ArenaMessage<Response> response, std::chrono::steady_clock::time_point deadline,
               bool* timed_out) {
    std::unique_lock lock(mu_);
    auto ready = [&] { return cancelled_ || queue_.size() < kQueueDepth; };
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      cv_.wait(lock, ready);
    } else if (!cv_.wait_until(lock, deadline, ready)) {
      *timed_out = true;
      return false;
    }
    if (cancelled_) return false;
    queue_.push_back(std::move(response));
    MaybeProgressLocked();
    return true;
  }

  // Starts the next write, or finishes once the producer is done and everything is written.
  void MaybeProgressLocked() {
    if (writing_ || finished_) return;
    if (!queue_.empty() && !cancelled_) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      cv_.notify_all();
      this->StartWrite(current_.get());
    } else if (producer_done_) {
      finished_ = true;
      this->Finish(cancelled_ ? grpc::Status::CANCELLED : final_status_);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ArenaMessage<Response>> queue_;
  ArenaMessage<Response> current_;
  bool writing_ = false, cancelled_ = false, producer_done_ = false, finished_ = false;
  grpc::Status final_status_;
  std::thread thread_;
};

}  // namespace vigie::server
