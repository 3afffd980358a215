// The durable outbox: each Notification is rendered into one HTTP request per integration of its
// receiver and written to the store (RecordSpace::kOutbox) before Enqueue returns; sender threads
// deliver them, delete each on its receiver's 2xx, retry 5xx, 429 and network errors with backoff
// (429: after Retry-After), and move other answers to a dead-letter list. On start, every
// request still queued is sent again. docs/alerts.md ("Outbox and exactly-once") states the
// guarantees; docs/storage-format.md the records.
//
// Thread safety: every method is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "alerts/alert.h"
#include "alerts/notify/http_sender.h"
#include "alerts/notify/outbox_metrics.h"
#include "alerts/notify/outbox_record.h"
#include "alerts/notify/receivers.h"
#include "common/backoff.h"
#include "store/records.h"

namespace vigie::alerts::notify {

struct OutboxOptions {
  std::chrono::milliseconds min_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  // A request still refused this long after it was enqueued goes to the dead-letter list.
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
  // Dead letters kept; beyond, the oldest are deleted.
  size_t max_failed = 1000;
  int sender_threads = 2;
  std::function<int64_t()> now_ms;  // Unset: the system clock.
  uint64_t jitter_seed = 0;         // 0: random.
};

// What one integration answered to a test notification.
struct TestResult {
  std::string integration;  // "slack[0]"
  int status_code = 0;      // 0: no answer.
  std::string error;        // Empty on a 2xx.
};

class Outbox {
 public:
  // `records`, `sender` and `metrics` (nullable) are not owned and must outlive the outbox.
  Outbox(store::RecordStore* records, HttpSender* sender, OutboxMetrics* metrics,
         OutboxOptions options);
  ~Outbox();  // Stops the senders.

  // Reads the requests left queued by the previous run (they are sent again) and the dead
  // letters' count. Call once, before Start().
  absl::Status Load();
  // Replaces the receivers (at load and reload). Requests already queued keep what they were
  // rendered with.
  void SetReceivers(std::shared_ptr<const Receivers> receivers);

  // Renders `notification` for each integration of its receiver (leaving out resolved alerts
  // where send_resolved is false, and integrations left with nothing to say) and writes them all
  // durably, with notification.records, in one batch, before returning. NotFound when the
  // receiver is unknown.
  absl::Status Enqueue(const Notification& notification);

  // Starts the sender threads.
  void Start();
  // Stops them (a request in flight completes first). Idempotent.
  void Stop();

  // Sends at most one due request (the oldest of a queue whose turn it is) and handles its
  // answer. Returns true when one was sent, false when none was due; *next_due_ms, when not
  // null, is set to when the next one is due (INT64_MAX: none queued). The sender threads loop
  // on it; unit tests call it directly with a fake clock.
  bool SendOne(int64_t* next_due_ms = nullptr);

  // The queued requests (oldest first), or the dead letters.
  std::vector<OutboxEntry> Queued() const;
  absl::StatusOr<std::vector<OutboxEntry>> Failed() const;

  // Sends a test notification to every integration of `name` now, bypassing the queue.
  absl::StatusOr<std::vector<TestResult>> TestReceiver(std::string_view name);

 private:
  struct Queue;  // One per receiver and integration: its requests are sent in order.
  int64_t Now() const;
  Queue& QueueFor(const std::string& receiver, const std::string& integration);  // mu_ held.
  void Run();
  // The handling of the oldest request's answer; mu_ held.
  void Delivered(Queue& queue, int64_t now);
  void Refused(Queue& queue, const HttpResult& result, int64_t now);
  void DeadLetter(Queue& queue, std::string error, int status_code);
  void UpdateGauges(int64_t now);

  store::RecordStore* const records_;
  HttpSender* const sender_;
  OutboxMetrics* const metrics_;
  const OutboxOptions options_;

  std::mutex enqueue_mu_;  // Serialises Enqueue from sequence numbers to queues.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<const Receivers> receivers_;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // By "receiver/integration".
  uint64_t next_seq_ = 1;
  std::deque<uint64_t> failed_seqs_;  // Oldest first.
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vigie::alerts::notify
