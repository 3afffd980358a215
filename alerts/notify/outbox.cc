#include "alerts/notify/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "alerts/notify/render.h"
#include "alerts/notify/retry_after.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts::notify {

struct Outbox::Queue {
  Queue(std::string receiver, std::string integration, const OutboxOptions& options, uint64_t seed)
      : receiver(std::move(receiver)),
        integration(std::move(integration)),
        backoff(options.min_backoff, options.max_backoff, seed) {}
  const std::string receiver;
  const std::string integration;
  std::deque<OutboxEntry> entries;  // In sequence order: sent one at a time, oldest first.
  int64_t next_due_ms = 0;          // No attempt before (backoff, Retry-After).
  bool busy = false;                // A sender thread is sending the oldest.
  Backoff backoff;
};

namespace {

constexpr int64_t kGaugeRefreshMs = 5000;

bool Retryable(int status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

std::string DescribeAnswer(const HttpResult& result) {
  if (result.status == 0) return result.error;
  std::string body = result.body.substr(0, 200);
  return body.empty() ? StrCat("HTTP ", result.status) : StrCat("HTTP ", result.status, ": ", body);
}

std::string QueueName(std::string_view receiver, std::string_view integration) {
  return StrCat(receiver, "\n", integration);
}

}  // namespace

Outbox::Outbox(store::RecordStore* records, HttpSender* sender, OutboxMetrics* metrics,
               OutboxOptions options)
    : records_(records), sender_(sender), metrics_(metrics), options_(std::move(options)) {}

Outbox::~Outbox() { Stop(); }

int64_t Outbox::Now() const {
  return options_.now_ms ? options_.now_ms() : NowNanos() / kNanosPerMilli;
}

Outbox::Queue& Outbox::QueueFor(const std::string& receiver, const std::string& integration) {
  auto& slot = queues_[QueueName(receiver, integration)];
  if (!slot) {
    uint64_t seed = options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device()();
    slot = std::make_unique<Queue>(receiver, integration, options_, seed);
  }
  return *slot;
}

absl::Status Outbox::Load() {
  std::vector<OutboxEntry> queued;
  uint64_t max_seq = 0;
  absl::Status st = records_->ScanRecords(
      store::RecordSpace::kOutbox, std::string(1, kQueuedPrefix), std::string(1, kQueuedPrefix + 1),
      [&](std::string_view key, std::string_view value) {
        std::optional<uint64_t> seq = OutboxKeySeq(key);
        if (!seq) return true;
        max_seq = std::max(max_seq, *seq);
        auto entry = DecodeOutboxEntry(*seq, value);
        if (!entry.ok()) {
          spdlog::error("outbox: {} (left in place)", entry.status().message());
          return true;
        }
        queued.push_back(*std::move(entry));
        return true;
      });
  if (!st.ok()) return st;
  std::deque<uint64_t> failed;
  st = records_->ScanRecords(store::RecordSpace::kOutbox, std::string(1, kFailedPrefix),
                             std::string(1, kFailedPrefix + 1),
                             [&](std::string_view key, std::string_view) {
                               if (auto seq = OutboxKeySeq(key)) {
                                 max_seq = std::max(max_seq, *seq);
                                 failed.push_back(*seq);
                               }
                               return true;
                             });
  if (!st.ok()) return st;
  std::lock_guard lock(mu_);
  for (OutboxEntry& entry : queued) {
    QueueFor(entry.receiver, entry.integration).entries.push_back(std::move(entry));
  }
  failed_seqs_ = std::move(failed);
  next_seq_ = max_seq + 1;
  if (!queued.empty()) {
    spdlog::info("outbox: {} notification(s) not acknowledged before the restart, sending again",
                 queued.size());
  }
  UpdateGauges(Now());
  return absl::OkStatus();
}

void Outbox::SetReceivers(std::shared_ptr<const Receivers> receivers) {
  std::lock_guard lock(mu_);
  receivers_ = std::move(receivers);
}

absl::Status Outbox::Enqueue(const Notification& notification) {
  std::shared_ptr<const Receivers> receivers;
  {
    std::lock_guard lock(mu_);
    receivers = receivers_;
  }
  const Receiver* receiver = receivers ? receivers->Find(notification.receiver) : nullptr;
  if (receiver == nullptr) {
    return absl::NotFoundError(StrCat("outbox: no receiver named \"", notification.receiver, "\""));
  }
  int64_t now = Now();
  std::vector<OutboxEntry> entries;
  for (const Integration& integration : receiver->integrations) {
    Notification sent = notification;
    if (!integration.send_resolved) {
      std::erase_if(sent.alerts, [now](const Alert& a) { return a.ResolvedAt(now); });
    }
    if (sent.alerts.empty()) continue;
    OutboxEntry entry;
    entry.receiver = receiver->name;
    entry.integration = integration.Id();
    entry.group_key = notification.group_key;
    entry.created_ms = now;
    entry.request = RenderRequest(integration, sent, now);
    entries.push_back(std::move(entry));
  }
  if (entries.empty() && notification.records.empty()) return absl::OkStatus();

  // One enqueue at a time from sequence numbers to queues, so that each queue stays in order;
  // the senders (mu_) are not held up by the write. The caller's records (the dispatcher's
  // notification log) go in the same batch: both are kept, or neither.
  std::lock_guard order(enqueue_mu_);
  std::vector<store::RecordWrite> writes = notification.records;
  {
    std::lock_guard lock(mu_);
    for (OutboxEntry& entry : entries) entry.seq = next_seq_++;
  }
  for (const OutboxEntry& entry : entries) {
    writes.push_back({store::RecordSpace::kOutbox, OutboxKey(kQueuedPrefix, entry.seq),
                      EncodeOutboxEntry(entry)});
  }
  if (absl::Status st = records_->WriteRecords(writes); !st.ok()) {
    return absl::Status(st.code(), StrCat("outbox: writing the notification for receiver \"",
                                          receiver->name, "\": ", st.message()));
  }
  {
    std::lock_guard lock(mu_);
    for (OutboxEntry& entry : entries) {
      QueueFor(entry.receiver, entry.integration).entries.push_back(std::move(entry));
    }
    UpdateGauges(now);
  }
  wake_.notify_all();
  return absl::OkStatus();
}

bool Outbox::SendOne(int64_t* next_due_ms) {
  std::unique_lock lock(mu_);
  int64_t now = Now();
  Queue* chosen = nullptr;
  int64_t next_due = INT64_MAX;
  for (auto& [name, queue] : queues_) {
    if (queue->busy || queue->entries.empty()) continue;
    if (queue->next_due_ms > now) {
      next_due = std::min(next_due, queue->next_due_ms);
    } else if (chosen == nullptr || queue->entries.front().seq < chosen->entries.front().seq) {
      chosen = queue.get();
    }
  }
  if (chosen == nullptr) {
    if (next_due_ms != nullptr) *next_due_ms = next_due;
    return false;
  }
  chosen->busy = true;
  HttpRequest request = chosen->entries.front().request;
  lock.unlock();
  HttpResult result = sender_->Send(request);
  lock.lock();
  now = Now();
  chosen->busy = false;
  OutboxEntry& entry = chosen->entries.front();
  entry.attempts++;
  if (result.status >= 200 && result.status < 300) {
    Delivered(*chosen, now);
  } else if (!Retryable(result.status)) {
    DeadLetter(*chosen, DescribeAnswer(result), result.status);
  } else if (now - entry.created_ms >= options_.give_up_after.count()) {
    DeadLetter(
        *chosen,
        StrCat("gave up after ", FormatDuration(options_.give_up_after.count() * kNanosPerMilli),
               " of retries; last: ", DescribeAnswer(result)),
        result.status);
  } else {
    Refused(*chosen, result, now);
  }
  UpdateGauges(now);
  if (next_due_ms != nullptr) *next_due_ms = now;
  lock.unlock();
  wake_.notify_all();
  return true;
}

void Outbox::Delivered(Queue& queue, int64_t now) {
  const OutboxEntry& entry = queue.entries.front();
  // The receiver has it: a failed delete only means it would be sent again after a restart.
  if (absl::Status st =
          records_->DeleteRecord(store::RecordSpace::kOutbox, OutboxKey(kQueuedPrefix, entry.seq));
      !st.ok()) {
    spdlog::error("outbox: deleting delivered notification {}: {}", entry.seq, st.message());
  }
  if (metrics_) metrics_->Sent(queue.receiver, queue.integration);
  queue.entries.pop_front();
  queue.backoff.Reset();
  queue.next_due_ms = now;
}

void Outbox::Refused(Queue& queue, const HttpResult& result, int64_t now) {
  OutboxEntry& entry = queue.entries.front();
  entry.last_error = DescribeAnswer(result);
  entry.status_code = result.status;
  std::optional<int64_t> asked;
  if (!result.retry_after.empty()) asked = ParseRetryAfter(result.retry_after, now);
  int64_t delay = asked ? *asked : queue.backoff.Next().count();
  queue.next_due_ms = now + delay;
  spdlog::warn("outbox: {} {} refused notification {} ({}); retrying in {} ms", queue.receiver,
               queue.integration, entry.seq, entry.last_error, delay);
  // The attempt count and error are shown by the API; losing them on a failed write is harmless.
  if (absl::Status st =
          records_->PutRecord(store::RecordSpace::kOutbox, OutboxKey(kQueuedPrefix, entry.seq),
                              EncodeOutboxEntry(entry));
      !st.ok()) {
    spdlog::error("outbox: updating notification {}: {}", entry.seq, st.message());
  }
  if (metrics_) metrics_->Retried(queue.receiver, queue.integration);
}

void Outbox::DeadLetter(Queue& queue, std::string error, int status_code) {
  OutboxEntry entry = std::move(queue.entries.front());
  queue.entries.pop_front();
  queue.backoff.Reset();
  queue.next_due_ms = 0;
  entry.last_error = std::move(error);
  entry.status_code = status_code;
  spdlog::error("outbox: {} {} notification {} failed: {}; kept in the failed list", queue.receiver,
                queue.integration, entry.seq, entry.last_error);
  std::vector<store::RecordWrite> writes = {
      {store::RecordSpace::kOutbox, OutboxKey(kQueuedPrefix, entry.seq), std::nullopt},
      {store::RecordSpace::kOutbox, OutboxKey(kFailedPrefix, entry.seq), EncodeOutboxEntry(entry)}};
  failed_seqs_.push_back(entry.seq);
  while (failed_seqs_.size() > options_.max_failed) {
    writes.push_back({store::RecordSpace::kOutbox, OutboxKey(kFailedPrefix, failed_seqs_.front()),
                      std::nullopt});
    failed_seqs_.pop_front();
  }
  if (absl::Status st = records_->WriteRecords(writes); !st.ok()) {
    spdlog::error("outbox: moving notification {} to the failed list: {}", entry.seq, st.message());
  }
  if (metrics_) metrics_->Failed(queue.receiver, queue.integration);
}

void Outbox::UpdateGauges(int64_t now) {
  if (!metrics_) return;
  for (const auto& [name, queue] : queues_) {
    double age = queue->entries.empty()
                     ? 0
                     : std::max<int64_t>(0, now - queue->entries.front().created_ms) / 1000.0;
    metrics_->SetQueued(queue->receiver, queue->integration,
                        static_cast<double>(queue->entries.size()), age);
  }
}

void Outbox::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.sender_threads); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

void Outbox::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void Outbox::Run() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    int64_t next_due = 0;
    if (SendOne(&next_due)) continue;
    std::unique_lock lock(mu_);
    if (stopping_) return;
    int64_t now = Now();
    UpdateGauges(now);
    int64_t wait = std::clamp<int64_t>(next_due - now, 1, kGaugeRefreshMs);
    wake_.wait_for(lock, std::chrono::milliseconds(wait));
  }
}

std::vector<OutboxEntry> Outbox::Queued() const {
  std::vector<OutboxEntry> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, queue] : queues_) {
      out.insert(out.end(), queue->entries.begin(), queue->entries.end());
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

absl::StatusOr<std::vector<OutboxEntry>> Outbox::Failed() const {
  std::vector<OutboxEntry> out;
  absl::Status st = records_->ScanRecords(
      store::RecordSpace::kOutbox, std::string(1, kFailedPrefix), std::string(1, kFailedPrefix + 1),
      [&](std::string_view key, std::string_view value) {
        std::optional<uint64_t> seq = OutboxKeySeq(key);
        if (!seq) return true;
        auto entry = DecodeOutboxEntry(*seq, value);
        if (entry.ok()) out.push_back(*std::move(entry));
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<TestResult>> Outbox::TestReceiver(std::string_view name) {
  std::shared_ptr<const Receivers> receivers;
  {
    std::lock_guard lock(mu_);
    receivers = receivers_;
  }
  const Receiver* receiver = receivers ? receivers->Find(name) : nullptr;
  if (receiver == nullptr) {
    return absl::NotFoundError(
        StrCat("no receiver named \"", name, "\" in the notify file's receivers"));
  }
  int64_t now = Now();
  Alert alert;
  alert.labels = *LabelSet::Make({{"alertname", "TestNotification"}, {"receiver", receiver->name}});
  alert.annotations = {
      {"summary", StrCat("Test notification from vigie to receiver ", receiver->name)},
      {"description", "Sent on request (vigie alerts test-receiver); no alert is firing."}};
  alert.starts_at_ms = now;
  Notification test;
  test.receiver = receiver->name;
  test.group_key = StrCat("{}/test:{receiver=\"", receiver->name, "\"}/", now);
  test.group_labels = *LabelSet::Make({{"alertname", "TestNotification"}});
  test.alerts = {alert};
  std::vector<TestResult> results;
  for (const Integration& integration : receiver->integrations) {
    HttpResult answer = sender_->Send(RenderRequest(integration, test, now));
    bool ok = answer.status >= 200 && answer.status < 300;
    results.push_back({integration.Id(), answer.status, ok ? "" : DescribeAnswer(answer)});
  }
  return results;
}

}  // namespace vigie::alerts::notify
