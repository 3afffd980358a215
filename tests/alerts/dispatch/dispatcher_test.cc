#include "alerts/dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "dispatch_fixture.h"

namespace vigie::alerts {
namespace {

constexpr char kConfig[] = R"(
route:
  receiver: ops
  group_by: [alertname, service]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
  routes:
    - matchers: ['deploy_correlated="true"']
      receiver: dev
      continue: true
    - matchers: [team=null]
      receiver: blackhole
receivers:
  - name: ops
    webhook_configs: [{url: 'http://127.0.0.1:1/'}]
  - name: dev
    slack_configs: [{api_url: 'http://127.0.0.1:1/', channel: '#front'}]
  - name: blackhole
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [service]
)";

class DispatcherTest : public DispatchFixture {
 protected:
  void SetUp() override { Load(kConfig); }
};

std::vector<std::string> Names(const Notification& n) {
  std::vector<std::string> out;
  for (const Alert& a : n.alerts) {
    out.push_back(std::string(a.labels.Get("instance")) + (a.ends_at_ms != 0 ? "(resolved)" : ""));
  }
  return out;
}

TEST_F(DispatcherTest, GroupWaitThenGroupIntervalThenRepeatInterval) {
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "a"}})});
  RunUntil(9'999);
  EXPECT_TRUE(sent_.empty());
  RunUntil(10'000);  // group_wait.
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].receiver, "ops");
  EXPECT_EQ(sent_[0].group_key, R"({}:{alertname="Down", service="front"})");
  EXPECT_EQ(sent_[0].group_labels.ToString(), R"({alertname="Down", service="front"})");
  EXPECT_EQ(Names(sent_[0]), std::vector<std::string>{"a"});
  EXPECT_EQ(sent_[0].alerts[0].ends_at_ms, 0);  // Firing alerts carry no end.

  clock_.Set(kStart + 20'000);
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "b"}}, 20'000)});
  RunUntil(69'999);
  EXPECT_EQ(sent_.size(), 1u);  // A new alert waits for the group's next group_interval tick.
  RunUntil(70'000);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(Names(sent_[1]), (std::vector<std::string>{"a", "b"}));

  // Nothing changes: the next message is the repeat, at the first tick after 1h.
  RunUntil(70'000 + 3'600'000);
  EXPECT_EQ(sent_.size(), 2u);
  RunUntil(70'000 + 3'600'000 + 60'000);
  EXPECT_EQ(sent_.size(), 3u);
}

TEST_F(DispatcherTest, ResolvedAlertsAreSentThenForgotten) {
  Alert a = Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "a"}});
  Put({a});
  RunUntil(10'000);
  ASSERT_EQ(sent_.size(), 1u);
  clock_.Set(kStart + 30'000);
  a.ends_at_ms = Now();
  Put({a});
  RunUntil(70'000);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(Names(sent_[1]), std::vector<std::string>{"a(resolved)"});
  EXPECT_TRUE(dispatcher_->Groups().empty());
  RunUntil(10 * 3'600'000);
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(DispatcherTest, FiveHundredAlertsThroughOneRouteMakeOneMessagePerGroup) {
  std::vector<Alert> alerts;
  for (int s = 0; s < 5; ++s) {
    for (int i = 0; i < 100; ++i) {
      alerts.push_back(Firing({{"alertname", "Http404Spike"},
                               {"service", "svc" + std::to_string(s)},
                               {"instance", "i" + std::to_string(i)}}));
    }
  }
  Put(alerts);
  RunUntil(10'000);
  ASSERT_EQ(sent_.size(), 5u);  // group_by [alertname, service]: one message per service.
  for (const Notification& n : sent_) EXPECT_EQ(n.alerts.size(), 100u) << n.group_key;
  // The rules resend them every evaluation: no new message until repeat_interval.
  for (int t = 1; t <= 10; ++t) {
    clock_.Set(kStart + 10'000 + t * 15'000);
    Put(alerts);
  }
  RunUntil(10 * 60'000);
  EXPECT_EQ(sent_.size(), 5u);
}

TEST_F(DispatcherTest, ContinueTriesTheNextSiblingsNotTheParent) {
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"deploy_correlated", "true"}}),
       Firing({{"alertname", "Both"}, {"deploy_correlated", "true"}, {"team", "null"}})});
  RunUntil(10'000);
  // Both go to dev (continue: the siblings are tried too); a matching child means the root's
  // ops is not used; the blackhole receiver sends nothing.
  ASSERT_EQ(sent_.size(), 2u);
  for (const Notification& n : sent_) {
    EXPECT_EQ(n.receiver, "dev");
    EXPECT_TRUE(n.group_key.starts_with(R"({}/{deploy_correlated="true"}:)")) << n.group_key;
  }
  std::map<std::string, std::vector<std::string>> receivers;
  for (const AlertView& v : dispatcher_->Alerts()) {
    receivers[std::string(v.alert.labels.Get("alertname"))] = v.receivers;
  }
  EXPECT_EQ(receivers["Down"], std::vector<std::string>{"dev"});
  EXPECT_EQ(receivers["Both"], (std::vector<std::string>{"dev", "blackhole"}));
}

TEST_F(DispatcherTest, ReceiverWithoutIntegrationsSendsNothing) {
  Put({Firing({{"alertname", "Down"}, {"team", "null"}})});
  RunUntil(10 * 60'000);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(dispatcher_->Groups().size(), 1u);
}

TEST_F(DispatcherTest, PageInhibitsTicketOfTheSameService) {
  Alert page = Firing({{"alertname", "Down"}, {"service", "front"}, {"severity", "page"}});
  Alert ticket = Firing({{"alertname", "Slow"}, {"service", "front"}, {"severity", "ticket"}});
  Alert other = Firing({{"alertname", "Slow"}, {"service", "back"}, {"severity", "ticket"}});
  Put({page, ticket, other});
  RunUntil(10'000);
  std::set<std::string> sent;
  for (const Notification& n : sent_)
    sent.insert(std::string(n.group_labels.Get("alertname")) + "/" +
                std::string(n.group_labels.Get("service")));
  EXPECT_EQ(sent, (std::set<std::string>{"Down/front", "Slow/back"}));
  AlertStatus status = dispatcher_->StatusOf(ticket.labels);
  EXPECT_EQ(status.inhibited_by, std::vector<std::string>{FingerprintHex(page.Fingerprint())});
  EXPECT_TRUE(dispatcher_->StatusOf(page.labels).inhibited_by.empty());

  // The page resolves: the ticket is notified at its group's next tick.
  clock_.Set(kStart + 20'000);
  page.ends_at_ms = Now();
  Put({page});
  size_t before = sent_.size();
  RunUntil(70'000);
  bool ticket_sent = false;
  for (size_t i = before; i < sent_.size(); ++i) {
    ticket_sent = ticket_sent || sent_[i].group_labels.Get("service") == "front" &&
                                     sent_[i].group_labels.Get("alertname") == "Slow";
  }
  EXPECT_TRUE(ticket_sent);
}

TEST_F(DispatcherTest, AnAlertMatchingBothSidesDoesNotInhibitItsLikes) {
  Load(R"(
route: {receiver: ops, group_wait: 1s}
receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/'}]}]
inhibit_rules:
  - source_matchers: [severity=~"page|ticket"]
    target_matchers: [severity=~"page|ticket"]
    equal: [service]
)");
  Alert a = Firing({{"alertname", "A"}, {"service", "front"}, {"severity", "page"}});
  Alert b = Firing({{"alertname", "B"}, {"service", "front"}, {"severity", "ticket"}});
  Put({a, b});
  EXPECT_TRUE(dispatcher_->StatusOf(a.labels).inhibited_by.empty());
  EXPECT_TRUE(dispatcher_->StatusOf(b.labels).inhibited_by.empty());
}

TEST_F(DispatcherTest, SilenceStopsTheNextNotificationAndExpiringItLetsTheFollowingThrough) {
  Alert a = Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "a"}});
  Put({a});
  RunUntil(10'000);
  ASSERT_EQ(sent_.size(), 1u);
  Silence silence;
  silence.matchers = *ParseMatchers(R"(alertname="Down",instance=~"b|c")");
  silence.starts_at_ms = Now();
  silence.ends_at_ms = Now() + 7'200'000;
  silence.created_by = "test";
  auto id = silences_->Set(silence);
  ASSERT_TRUE(id.ok()) << id.status();
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "b"}}, 20'000)});
  RunUntil(10'000 + 5 * 60'000);
  EXPECT_EQ(sent_.size(), 1u);  // b is silenced; a did not change.
  EXPECT_EQ(dispatcher_
                ->StatusOf(
                    Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "b"}}).labels)
                .silenced_by,
            std::vector<std::string>{*id});
  ASSERT_TRUE(silences_->Expire(*id).ok());
  RunUntil(10'000 + 6 * 60'000);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(Names(sent_[1]), (std::vector<std::string>{"a", "b"}));
}

TEST_F(DispatcherTest, MuteAndActiveTimeIntervals) {
  // kStart is 2023-11-14 22:13:20 UTC, a Tuesday.
  Load(R"(
route:
  receiver: ops
  group_wait: 1s
  routes:
    - matchers: [when=night]
      mute_time_intervals: [night]
    - matchers: [when=weekend]
      active_time_intervals: [weekend]
    - matchers: [when=day]
      mute_time_intervals: [weekend]
receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/'}]}]
time_intervals:
  - name: night
    time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
  - name: weekend
    time_intervals: [{weekdays: ['saturday', 'sunday']}]
)");
  Put({Firing({{"alertname", "A"}, {"when", "night"}}),
       Firing({{"alertname", "B"}, {"when", "weekend"}}),
       Firing({{"alertname", "C"}, {"when", "day"}})});
  RunUntil(1'000);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].alerts[0].labels.Get("alertname"), "C");
}

TEST_F(DispatcherTest, RestartDoesNotResendWhatWasEnqueuedButSendsWhatChanged) {
  Alert a = Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "a"}});
  Put({a});
  RunUntil(10'000);
  ASSERT_EQ(sent_.size(), 1u);

  clock_.Set(kStart + 40'000);
  Restart();  // The rules resend their alerts after a restart.
  Put({a});
  RunUntil(40'000);  // Began long ago: flushed at once, and the log says it was sent.
  EXPECT_EQ(sent_.size(), 1u);
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "b"}}, -60'000)});
  RunUntil(40'000);
  EXPECT_EQ(sent_.size(), 1u);  // The group has flushed once: b waits for its next tick.
  RunUntil(100'000);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(Names(sent_[1]), (std::vector<std::string>{"a", "b"}));
}

TEST_F(DispatcherTest, FailedEnqueueIsRetriedAtTheNextTick) {
  enqueue_error_ = absl::UnavailableError("outbox full");
  Put({Firing({{"alertname", "Down"}})});
  RunUntil(10'000);
  EXPECT_TRUE(sent_.empty());
  enqueue_error_ = absl::OkStatus();
  RunUntil(70'000);
  EXPECT_EQ(sent_.size(), 1u);
}

// The outbox's write is fsync'ed: while it runs, the rules' Put and the API go on. And the
// notification log records a notification only once the outbox has it (with it, in the same
// batch, through Notification::records), so a crash in between sends it after the restart.
TEST_F(DispatcherTest, EnqueueHoldsUpNeitherPutNorTheApiAndPrecedesTheLog) {
  constexpr auto kDeadline = std::chrono::seconds(30);
  const std::string key = R"({}:{alertname="Down", service="front"})";
  NotificationLog log(records_.get());
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false, logged_before = true;
  on_enqueue_ = [&](const Notification&) {
    auto entry = log.Query("ops", key);
    std::unique_lock lock(mu);
    logged_before = !entry.ok() || entry->has_value();
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, kDeadline, [&] { return release; });
  };
  Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "a"}})});
  clock_.Set(kStart + 10'000);  // group_wait.
  std::thread flusher([&] { dispatcher_->RunDue(); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return entered; })) << "no flush";
  }
  auto meanwhile = std::async(std::launch::async, [&] {
    Put({Firing({{"alertname", "Down"}, {"service", "front"}, {"instance", "b"}}, 10'000)});
    return dispatcher_->Alerts().size();
  });
  bool done = meanwhile.wait_for(kDeadline) == std::future_status::ready;
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  flusher.join();
  ASSERT_TRUE(done) << "Put and Alerts() waited for the outbox";
  EXPECT_EQ(meanwhile.get(), 2u);

  EXPECT_FALSE(logged_before) << "the log recorded the notification before the outbox had it";
  ASSERT_EQ(sent_.size(), 1u);
  ASSERT_EQ(sent_[0].records.size(), 1u);  // The log entry travels with the notification.
  EXPECT_EQ(sent_[0].records[0].space, store::RecordSpace::kAlertState);
  auto entry = log.Query("ops", key);
  ASSERT_TRUE(entry.ok() && entry->has_value()) << "not logged after the outbox took it";
  EXPECT_EQ((*entry)->firing.size(), 1u);
  // b, put during the flush, waits for the group's next tick.
  RunUntil(70'000);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(Names(sent_[1]), (std::vector<std::string>{"a", "b"}));
}

TEST_F(DispatcherTest, AlertsWithoutEndResolveAfterResolveTimeout) {
  Alert a = Firing({{"alertname", "External"}});
  a.ends_at_ms = 0;
  Put({a});
  EXPECT_EQ(dispatcher_->Alerts().size(), 1u);
  RunUntil(5 * 60'000 - 1);
  EXPECT_EQ(dispatcher_->Alerts().size(), 1u);
  RunUntil(5 * 60'000);
  EXPECT_TRUE(dispatcher_->Alerts().empty());  // Alertmanager's default resolve_timeout.
  EXPECT_EQ(sent_.size(), 1u);
  RunUntil(10'000 + 5 * 60'000);  // The group's first tick after the timeout.
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_NE(sent_[1].alerts[0].ends_at_ms, 0);
}

TEST_F(DispatcherTest, ReloadRegroupsWithoutResending) {
  Put({Firing({{"alertname", "Down"}, {"service", "front"}})});
  RunUntil(10'000);
  ASSERT_EQ(sent_.size(), 1u);
  clock_.Set(kStart + 20'000);
  Load(kConfig);
  RunUntil(30'000);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(dispatcher_->Groups().size(), 1u);
}

}  // namespace
}  // namespace vigie::alerts
