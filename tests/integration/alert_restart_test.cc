// A kill -9 of vigied between a rule's evaluations, with a real vigied, its rules and its
// notifications to the recording receiver: the firing alert that was delivered stays firing with
// its onset (activeAt, startsAt, ALERTS_FOR_STATE) and is not delivered again; the pending one
// keeps its `for` clock, so it fires at its onset + `for`, not at the restart + `for`.
#include <gtest/gtest.h>

#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "tests/http/http_client.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using nlohmann::json;

constexpr int64_t kSlowBurnForSeconds = 10;
constexpr int64_t kGroupIntervalSeconds = 2;
// How long after SlowBurn's onset vigied comes back at the earliest: a `for` clock restarted at
// the restart would fire it this much later than its own.
constexpr int64_t kDownSeconds = 4;

json GetJson(const Vigied& server, const std::string& target) {
  HttpReply reply = HttpCall(server.http_address(), "GET", target);
  EXPECT_EQ(reply.status, 200u) << target << ": " << reply.error << reply.body;
  json body = json::parse(reply.body, nullptr, false);
  return body.is_discarded() ? json() : body;
}

// The alert named `name` in /api/v1/alerts (Prometheus's API), or an empty object.
json RuleAlert(const Vigied& server, const std::string& name) {
  json body = GetJson(server, "/api/v1/alerts");
  for (const json& a : body["data"]["alerts"]) {
    if (a["labels"].value("alertname", "") == name) return a;
  }
  return json::object();
}

// The alert named `name` in /api/v2/alerts (Alertmanager's API), or an empty object.
json DispatchedAlert(const Vigied& server, const std::string& name) {
  json body = GetJson(server, "/api/v2/alerts");
  for (const json& a : body) {
    if (a["labels"].value("alertname", "") == name) return a;
  }
  return json::object();
}

// The value of the one sample an instant PromQL query returns, as the API prints it; "" when it
// returns none or several.
std::string QueryValue(const Vigied& server, const std::string& promql) {
  json body = GetJson(server, "/api/v1/query?query=" + UrlEncode(promql));
  const json& result = body["data"]["result"];
  return result.size() == 1 ? result[0]["value"][1].get<std::string>() : "";
}

// The messages the receiver got for the group of alert `name`.
std::vector<json> MessagesFor(const RecordingReceiver& receiver, const std::string& name) {
  std::vector<json> out;
  for (const auto& request : receiver.Requests()) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_object() && body["groupLabels"].value("alertname", "") == name) {
      out.push_back(std::move(body));
    }
  }
  return out;
}

// An RFC 3339 time of the API, in Unix milliseconds.
int64_t Millis(const json& time) {
  auto nanos = ParseTime(time.is_string() ? time.get<std::string>() : "");
  EXPECT_TRUE(nanos.ok()) << time;
  return nanos.ok() ? *nanos / kNanosPerMilli : 0;
}

TEST(AlertRestartTest, Kill9KeepsTheAlertsTheirOnsetAndSendsNothingTwice) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  std::string rules = WriteFile(dir, "rules.yaml",
                                StrCat(R"(groups:
  - name: restart
    interval: 1s
    rules:
      - alert: Watchdog
        expr: vector(1)
        for: 1s
      - alert: SlowBurn
        expr: vector(1)
        for: )",
                                       kSlowBurnForSeconds, "s\n"));
  // repeat_interval is long: a second message for a group within the test is a duplicate.
  std::string notify = WriteFile(dir, "notify.yaml",
                                 StrCat(R"(route:
  receiver: dev
  group_by: [alertname]
  group_wait: 200ms
  group_interval: )",
                                        kGroupIntervalSeconds, R"(s
  repeat_interval: 1h
receivers:
  - name: dev
    webhook_configs: [{url: ')",
                                        receiver.Url("/hook"), "'}]\n"));
  Vigied server(dir.path() + "/data", {"--rules", rules, "--notify", notify});
  server.Start();

  // Watchdog fires and is delivered while SlowBurn, which began at the same evaluation, waits
  // for its `for`.
  ASSERT_TRUE(
      WaitFor([&] { return !MessagesFor(receiver, "Watchdog").empty(); }, std::chrono::seconds(30)))
      << server.Log();
  // Acknowledged: the outbox deleted it after the receiver's 2xx (a kill -9 before that would
  // send it again after the restart, as docs/alerts.md says, and as it should).
  ASSERT_TRUE(WaitFor(
      [&] {
        return GetJson(server, "/api/v1/notifications?state=queued")["data"] == json::array();
      },
      std::chrono::seconds(10)))
      << server.Log();
  json watchdog = RuleAlert(server, "Watchdog");
  json slow = RuleAlert(server, "SlowBurn");
  ASSERT_EQ(watchdog.value("state", ""), "firing") << watchdog;
  ASSERT_EQ(slow.value("state", ""), "pending") << slow;
  json dispatched = DispatchedAlert(server, "Watchdog");
  ASSERT_FALSE(dispatched.empty());
  int64_t slow_onset_ms = Millis(slow["activeAt"]);

  server.Kill9();
  int64_t down_ms = slow_onset_ms + kDownSeconds * 1000 - NowNanos() / kNanosPerMilli;
  if (down_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(down_ms));
  int64_t restart_ms = NowNanos() / kNanosPerMilli;
  server.Start();

  // Both come back with their onsets, before and after evaluations resume.
  EXPECT_EQ(RuleAlert(server, "Watchdog")["activeAt"], watchdog["activeAt"]);
  EXPECT_EQ(RuleAlert(server, "SlowBurn")["activeAt"], slow["activeAt"]);
  // Watchdog, watched until SlowBurn was delivered and at least two group_intervals have passed
  // (each a chance to send it again), never goes back to pending.
  std::vector<json> not_firing;
  bool done = WaitFor(
      [&] {
        json now = RuleAlert(server, "Watchdog");
        if (now.value("state", "") != "firing" || now["activeAt"] != watchdog["activeAt"]) {
          not_firing.push_back(now);
        }
        return !MessagesFor(receiver, "SlowBurn").empty() &&
               NowNanos() / kNanosPerMilli > restart_ms + (2 * kGroupIntervalSeconds + 1) * 1000;
      },
      std::chrono::seconds(40));
  ASSERT_TRUE(done) << "SlowBurn was not delivered after the restart\n" << server.Log();
  EXPECT_TRUE(not_firing.empty()) << not_firing.size() << " times not firing, first as "
                                  << not_firing[0] << " (before the kill: " << watchdog << ")";

  // Alertmanager's API has the same startsAt (when `for` was met, before the kill).
  EXPECT_EQ(DispatchedAlert(server, "Watchdog")["startsAt"], dispatched["startsAt"]);
  // ALERTS_FOR_STATE, written by an evaluation after the restart, still holds the onset.
  std::string written = QueryValue(server, R"(timestamp(ALERTS_FOR_STATE{alertname="Watchdog"}))");
  ASSERT_FALSE(written.empty()) << "no ALERTS_FOR_STATE for Watchdog";
  EXPECT_GT(std::stod(written) * 1000, restart_ms);
  EXPECT_EQ(QueryValue(server, R"(ALERTS_FOR_STATE{alertname="Watchdog"})"),
            StrCat(Millis(watchdog["activeAt"]) / 1000));
  // Delivered once, before the kill.
  EXPECT_EQ(MessagesFor(receiver, "Watchdog").size(), 1u);

  // SlowBurn fired at its onset + `for`, as if vigied had never stopped, and was delivered once.
  std::vector<json> slow_messages = MessagesFor(receiver, "SlowBurn");
  ASSERT_EQ(slow_messages.size(), 1u);
  const json& fired = slow_messages[0]["alerts"][0];
  EXPECT_EQ(fired["status"], "firing");
  EXPECT_GE(Millis(fired["startsAt"]), slow_onset_ms + kSlowBurnForSeconds * 1000);
  EXPECT_LT(Millis(fired["startsAt"]), restart_ms + kSlowBurnForSeconds * 1000)
      << "its `for` clock started again at the restart";
  json slow_after = RuleAlert(server, "SlowBurn");
  EXPECT_EQ(slow_after.value("state", ""), "firing");
  EXPECT_EQ(slow_after["activeAt"], slow["activeAt"]);
}

}  // namespace
}  // namespace vigie::testing
