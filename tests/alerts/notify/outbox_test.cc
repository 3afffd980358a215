// The outbox on a fake sender and a fake clock, over the in-memory record store (same contract
// as the RocksDB one; the real store is exercised by tests/integration/notify_it_test.cc).
#include "alerts/notify/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "tests/alerts/notify/notify_fixtures.h"

namespace vigie::alerts::notify {
namespace {

using ::testing::HasSubstr;

// Answers from a script (then 200), recording each request with the fake time it came.
class ScriptedSender : public HttpSender {
 public:
  explicit ScriptedSender(const int64_t* now) : now_(now) {}
  HttpResult Send(const HttpRequest& request) override {
    std::lock_guard lock(mu_);
    requests.push_back({*now_, request});
    if (script.empty()) return {200, "", "", "ok"};
    HttpResult result = script.front();
    script.pop_front();
    return result;
  }
  struct Sent {
    int64_t at_ms;
    HttpRequest request;
  };
  std::mutex mu_;
  std::deque<HttpResult> script;
  std::vector<Sent> requests;

 private:
  const int64_t* now_;
};

std::shared_ptr<const Receivers> TestReceivers() {
  auto receivers = std::make_shared<Receivers>();
  Integration slack;
  slack.kind = "slack";
  slack.send_resolved = false;
  slack.config = SlackConfig{.api_url = "https://hooks.example/slack"};
  Integration webhook;
  webhook.kind = "webhook";
  webhook.send_resolved = true;
  webhook.config = WebhookConfig{"http://127.0.0.1:9/hook", 0};
  receivers->by_name["dev"] = Receiver{"dev", {slack, webhook}};
  receivers->by_name["hook"] = Receiver{"hook", {webhook}};
  return receivers;
}

double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::string& integration) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "integration" && label.value == integration) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest() { Reopen(); }

  // A new Outbox over the same records: what a restart of vigied does.
  void Reopen() {
    outbox_.reset();
    OutboxOptions options;
    options.now_ms = [this] { return now_; };
    options.min_backoff = std::chrono::milliseconds(1000);
    options.max_backoff = std::chrono::milliseconds(8000);
    options.give_up_after = std::chrono::hours(1);
    options.max_failed = 3;
    options.jitter_seed = 42;
    outbox_ = std::make_unique<Outbox>(records_.get(), &sender_, &metrics_, options);
    ASSERT_TRUE(outbox_->Load().ok());
    outbox_->SetReceivers(TestReceivers());
  }

  Notification ForHook() {
    Notification n = SpikeNotification();
    n.receiver = "hook";
    return n;
  }

  size_t StoredRecords() {
    size_t count = 0;
    EXPECT_TRUE(records_
                    ->ScanRecords(store::RecordSpace::kOutbox, "", "",
                                  [&](std::string_view, std::string_view) { return ++count; })
                    .ok());
    return count;
  }

  int64_t now_ = kOnsetMs + 60'000;
  std::unique_ptr<store::RecordStore> records_ = store::NewMemRecordStore();
  ScriptedSender sender_{&now_};
  prometheus::Registry registry_;
  OutboxMetrics metrics_{registry_};
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(OutboxTest, WrittenBeforeSentAndDeletedOnAcknowledgement) {
  ASSERT_TRUE(outbox_->Enqueue(SpikeNotification()).ok());
  EXPECT_EQ(StoredRecords(), 2u);  // One per integration, before any send.
  EXPECT_TRUE(sender_.requests.empty());
  ASSERT_EQ(outbox_->Queued().size(), 2u);
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_queued", "slack[0]"), 1);
  EXPECT_TRUE(outbox_->SendOne());
  EXPECT_TRUE(outbox_->SendOne());
  int64_t next = 0;
  EXPECT_FALSE(outbox_->SendOne(&next));
  EXPECT_EQ(next, INT64_MAX);
  ASSERT_EQ(sender_.requests.size(), 2u);
  EXPECT_EQ(sender_.requests[0].request.url, "https://hooks.example/slack");
  EXPECT_EQ(sender_.requests[1].request.url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(StoredRecords(), 0u);
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_sent_total", "webhook[0]"), 1);
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_queued", "slack[0]"), 0);
}

TEST_F(OutboxTest, TooManyRequestsWaitsForRetryAfter) {
  for (int i = 0; i < 3; ++i) sender_.script.push_back({429, "", "2", "slow down"});
  ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
  for (int refusal = 0; refusal < 3; ++refusal) {
    int64_t refused_at = now_;
    ASSERT_TRUE(outbox_->SendOne());
    int64_t next = 0;
    now_ = refused_at + 1999;
    EXPECT_FALSE(outbox_->SendOne(&next)) << "sent before Retry-After elapsed";
    EXPECT_EQ(next, refused_at + 2000);
    ASSERT_EQ(outbox_->Queued().size(), 1u);
    EXPECT_EQ(outbox_->Queued()[0].attempts, refusal + 1);
    EXPECT_EQ(outbox_->Queued()[0].status_code, 429);
    now_ = refused_at + 2000;
  }
  ASSERT_TRUE(outbox_->SendOne());
  EXPECT_EQ(sender_.requests.size(), 4u);
  for (size_t i = 1; i < sender_.requests.size(); ++i) {
    EXPECT_GE(sender_.requests[i].at_ms - sender_.requests[i - 1].at_ms, 2000);
  }
  EXPECT_TRUE(outbox_->Queued().empty());
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_retried_total", "webhook[0]"), 3);
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_sent_total", "webhook[0]"), 1);
}

TEST_F(OutboxTest, RetryAfterAsHttpDate) {
  // now_ is 20:42:00 UTC on Sunday 6 December 2026; the receiver asks for 20:42:30.
  sender_.script.push_back({429, "", "Sun, 06 Dec 2026 20:42:30 GMT", ""});
  ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
  ASSERT_TRUE(outbox_->SendOne());
  int64_t next = 0;
  EXPECT_FALSE(outbox_->SendOne(&next));
  EXPECT_EQ(next, now_ + 30'000);
}

TEST_F(OutboxTest, ServerErrorsBackOffExponentiallyWithJitter) {
  for (int i = 0; i < 6; ++i) sender_.script.push_back({503, "", "", "busy"});
  sender_.script.push_back({0, "connection refused", "", ""});
  ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
  int64_t ceiling = 1000;
  for (int i = 0; i < 7; ++i) {
    int64_t refused_at = now_;
    ASSERT_TRUE(outbox_->SendOne());
    int64_t next = 0;
    EXPECT_FALSE(outbox_->SendOne(&next));
    // Drawn from [delay/2, delay], the delay doubling from 1 s up to 8 s.
    EXPECT_GE(next - refused_at, ceiling / 2) << "attempt " << i;
    EXPECT_LE(next - refused_at, ceiling) << "attempt " << i;
    ceiling = std::min<int64_t>(ceiling * 2, 8000);
    now_ = next;
  }
  EXPECT_THAT(outbox_->Queued()[0].last_error, HasSubstr("connection refused"));
  ASSERT_TRUE(outbox_->SendOne());
  EXPECT_TRUE(outbox_->Queued().empty());
}

TEST_F(OutboxTest, ClientErrorsGoToTheDeadLetterList) {
  sender_.script.push_back({404, "", "", "no_service"});
  ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
  ASSERT_TRUE(outbox_->SendOne());
  EXPECT_TRUE(outbox_->Queued().empty());
  auto failed = outbox_->Failed();
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].receiver, "hook");
  EXPECT_EQ((*failed)[0].integration, "webhook[0]");
  EXPECT_EQ((*failed)[0].status_code, 404);
  EXPECT_EQ((*failed)[0].attempts, 1);
  EXPECT_EQ((*failed)[0].last_error, "HTTP 404: no_service");
  EXPECT_EQ((*failed)[0].group_key, ForHook().group_key);
  EXPECT_EQ(MetricValue(registry_, "vigie_notifications_failed_total", "webhook[0]"), 1);
  // Kept across a restart, and not sent again.
  Reopen();
  EXPECT_EQ(outbox_->Failed()->size(), 1u);
  EXPECT_FALSE(outbox_->SendOne());
}

TEST_F(OutboxTest, DeadLettersAreCappedOldestFirst) {
  for (int i = 0; i < 5; ++i) {
    sender_.script.push_back({400, "", "", std::to_string(i)});
    ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
    ASSERT_TRUE(outbox_->SendOne());
  }
  auto failed = outbox_->Failed();
  ASSERT_EQ(failed->size(), 3u);  // max_failed
  EXPECT_EQ((*failed)[0].last_error, "HTTP 400: 2");
  EXPECT_EQ((*failed)[2].last_error, "HTTP 400: 4");
}

TEST_F(OutboxTest, GivesUpAfterTheRetryAge) {
  for (int i = 0; i < 1000; ++i) sender_.script.push_back({500, "", "", ""});
  ASSERT_TRUE(outbox_->Enqueue(ForHook()).ok());
  int64_t enqueued = now_;
  while (!outbox_->Queued().empty()) {
    int64_t next = 0;
    if (!outbox_->SendOne(&next)) now_ = next;
    ASSERT_LT(now_ - enqueued, 2 * 3600'000) << "never gave up";
  }
  EXPECT_GE(now_ - enqueued, 3600'000);
  auto failed = outbox_->Failed();
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_THAT((*failed)[0].last_error, HasSubstr("gave up after 1h of retries; last: HTTP 500"));
}

TEST_F(OutboxTest, RestartSendsWhatWasNotAcknowledgedInOrder) {
  sender_.script.push_back({0, "connection refused", "", ""});
  Notification first = ForHook(), second = ForHook();
  second.group_key = "second";
  ASSERT_TRUE(outbox_->Enqueue(first).ok());
  ASSERT_TRUE(outbox_->Enqueue(second).ok());
  ASSERT_TRUE(outbox_->SendOne());  // Refused: the first waits, and the second behind it.
  int64_t next = 0;
  EXPECT_FALSE(outbox_->SendOne(&next));
  Reopen();  // As after kill -9: only the records remain.
  auto queued = outbox_->Queued();
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].group_key, first.group_key);
  EXPECT_EQ(queued[0].attempts, 1);
  EXPECT_EQ(queued[1].group_key, "second");
  ASSERT_TRUE(outbox_->SendOne());
  ASSERT_TRUE(outbox_->SendOne());
  EXPECT_FALSE(outbox_->SendOne());
  ASSERT_EQ(sender_.requests.size(), 3u);
  EXPECT_EQ(sender_.requests[1].request.body, sender_.requests[0].request.body);
  EXPECT_THAT(sender_.requests[2].request.body, HasSubstr("\"groupKey\":\"second\""));
  // New notifications after the restart come after the old ones.
  ASSERT_TRUE(outbox_->Enqueue(first).ok());
  EXPECT_EQ(StoredRecords(), 1u);
}

TEST_F(OutboxTest, SendResolvedFalseLeavesResolvedAlertsOut) {
  Alert resolved = SpikeAlert();
  resolved.ends_at_ms = now_ - 1;
  ASSERT_TRUE(outbox_->Enqueue(SpikeNotification({resolved})).ok());
  auto queued = outbox_->Queued();
  ASSERT_EQ(queued.size(), 1u);  // The webhook only: Slack's send_resolved is false.
  EXPECT_EQ(queued[0].integration, "webhook[0]");

  Alert other = SpikeAlert();
  other.labels = *LabelSet::Make({{"alertname", "Http404Spike"}, {"service", "front"}, {"x", "1"}});
  ASSERT_TRUE(outbox_->Enqueue(SpikeNotification({other, resolved})).ok());
  queued = outbox_->Queued();
  ASSERT_EQ(queued.size(), 3u);
  const OutboxEntry& slack = queued[1];
  ASSERT_EQ(slack.integration, "slack[0]");
  auto body = nlohmann::json::parse(slack.request.body);
  EXPECT_EQ(body["attachments"][0]["title"], "[FIRING:1] Http404Spike — front");
  EXPECT_THAT(body["attachments"][0]["text"].get<std::string>(),
              ::testing::Not(HasSubstr("Resolved")));
  EXPECT_EQ(nlohmann::json::parse(queued[2].request.body)["alerts"].size(), 2u);
}

TEST_F(OutboxTest, CallersRecordsAreWrittenInTheSameBatch) {
  Notification n = ForHook();
  n.records = {{store::RecordSpace::kAlertState, "n/group", "sent"}};
  ASSERT_TRUE(outbox_->Enqueue(n).ok());
  auto log = records_->GetRecord(store::RecordSpace::kAlertState, "n/group");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->value_or(""), "sent");
  EXPECT_EQ(StoredRecords(), 1u);
  // Nothing to send (Slack leaves resolved alerts out), the records are still written.
  Alert resolved = SpikeAlert();
  resolved.ends_at_ms = now_ - 1;
  Notification quiet = SpikeNotification({resolved});
  quiet.receiver = "dev";
  quiet.records = {{store::RecordSpace::kAlertState, "n/quiet", "resolved"}};
  auto receivers = std::make_shared<Receivers>(*TestReceivers());
  receivers->by_name["dev"].integrations.resize(1);  // Slack only.
  outbox_->SetReceivers(receivers);
  ASSERT_TRUE(outbox_->Enqueue(quiet).ok());
  EXPECT_EQ(StoredRecords(), 1u);
  EXPECT_TRUE(records_->GetRecord(store::RecordSpace::kAlertState, "n/quiet")->has_value());
}

TEST_F(OutboxTest, UnknownReceiverIsRefused) {
  Notification n = SpikeNotification();
  n.receiver = "nobody";
  absl::Status st = outbox_->Enqueue(n);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(st.message()), HasSubstr("nobody"));
}

TEST_F(OutboxTest, TestReceiverAnswersForEachIntegration) {
  sender_.script.push_back({200, "", "", "ok"});
  sender_.script.push_back({500, "", "", "oops"});
  auto results = outbox_->TestReceiver("dev");
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].integration, "slack[0]");
  EXPECT_EQ((*results)[0].status_code, 200);
  EXPECT_EQ((*results)[0].error, "");
  EXPECT_EQ((*results)[1].integration, "webhook[0]");
  EXPECT_EQ((*results)[1].error, "HTTP 500: oops");
  EXPECT_THAT(sender_.requests[0].request.body, HasSubstr("Test notification from vigie"));
  EXPECT_EQ(StoredRecords(), 0u);  // Not through the queue.
  EXPECT_EQ(outbox_->TestReceiver("nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST(OutboxThreadsTest, SenderThreadsDeliver) {
  auto records = store::NewMemRecordStore();
  int64_t unused = 0;
  ScriptedSender sender(&unused);
  Outbox outbox(records.get(), &sender, nullptr, {});
  ASSERT_TRUE(outbox.Load().ok());
  outbox.SetReceivers(TestReceivers());
  outbox.Start();
  Notification n = SpikeNotification();
  n.receiver = "hook";
  ASSERT_TRUE(outbox.Enqueue(n).ok());
  for (int i = 0; i < 500 && !outbox.Queued().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  outbox.Stop();
  EXPECT_TRUE(outbox.Queued().empty());
  std::lock_guard lock(sender.mu_);
  EXPECT_EQ(sender.requests.size(), 1u);
}

}  // namespace
}  // namespace vigie::alerts::notify
