// Notifications end to end with a real vigied and the recording receiver on loopback: alerts
// posted to vigied's Alertmanager API (/api/v2/alerts) are routed to a receiver and delivered
// through the durable outbox. 429 with Retry-After, a receiver down across a kill -9 of vigied,
// dead letters, the test-receiver endpoint, and the payloads as they arrive.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "alerts/notify/render.h"
#include "tests/http/http_client.h"
#include "tests/integration/recording_receiver.h"

namespace vigie::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A notify file with one route to receiver `dev`, whose integrations are `integrations` (YAML,
// indented for the receiver's mapping).
std::string NotifyFile(const TempDir& dir, const std::string& integrations) {
  return WriteFile(dir, "notify.yaml", R"(
route:
  receiver: dev
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1h
  repeat_interval: 1h
receivers:
  - name: dev
)" + integrations);
}

std::string WebhookTo(const RecordingReceiver& receiver) {
  return "    webhook_configs: [{url: '" + receiver.Url("/hook") + "'}]\n";
}

std::string WebhookToPort(int port) {
  return "    webhook_configs: [{url: 'http://127.0.0.1:" + std::to_string(port) + "/hook'}]\n";
}

// Posts one firing alert, as Prometheus would, to vigied's Alertmanager API.
void PostAlert(const Vigied& vigied, const std::string& name) {
  json alerts =
      json::array({{{"labels", {{"alertname", name}, {"service", "front"}, {"severity", "page"}}},
                    {"annotations", {{"summary", name + " on front"}}},
                    {"generatorURL", "http://vigie/graph"}}});
  HttpReply reply = HttpCall(vigied.http_address(), "POST", "/api/v2/alerts", alerts.dump(),
                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(reply.status, 200u) << reply.body << reply.error;
}

json Notifications(const Vigied& vigied, const std::string& state) {
  HttpReply reply = HttpCall(vigied.http_address(), "GET", "/api/v1/notifications?state=" + state);
  EXPECT_EQ(reply.status, 200u) << reply.body;
  json body = json::parse(reply.body, nullptr, false);
  return body.is_discarded() ? json::array() : body["data"];
}

// Polls `state` until `done` holds (or 20 s).
json WaitForNotifications(const Vigied& vigied, const std::string& state,
                          const std::function<bool(const json&)>& done) {
  json data;
  for (int i = 0; i < 400; ++i) {
    data = Notifications(vigied, state);
    if (done(data)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return data;
}

double MetricValue(const Vigied& vigied, const std::string& series) {
  std::string text = HttpCall(vigied.http_address(), "GET", "/metrics").body;
  size_t at = text.find(series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 1));
}

TEST(NotifyItTest, TooManyRequestsWithRetryAfterDeliversExactlyOnce) {
  TempDir dir;
  RecordingReceiver receiver(dir, "429:2,429:2,429:2");
  Vigied vigied(dir.path() + "/data", {"--notify", NotifyFile(dir, WebhookTo(receiver))});
  vigied.Start();
  PostAlert(vigied, "Http404Spike");

  json queued = WaitForNotifications(
      vigied, "queued", [](const json& d) { return d.size() == 1 && d[0]["status_code"] == 429; });
  ASSERT_EQ(queued.size(), 1u) << vigied.Log();
  EXPECT_EQ(queued[0]["receiver"], "dev");
  EXPECT_EQ(queued[0]["integration"], "webhook[0]");
  EXPECT_THAT(queued[0]["last_error"].get<std::string>(), HasSubstr("HTTP 429"));

  auto got = receiver.WaitFor(4, std::chrono::seconds(30));
  ASSERT_EQ(got.size(), 4u) << vigied.Log();
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].body, got[0].body) << "the same notification each time";
    EXPECT_GE(got[i].arrived - got[i - 1].arrived, 2.0) << "attempt " << i << " came early";
  }
  EXPECT_EQ(got[3].status, 200);
  json message = json::parse(got[3].body);
  EXPECT_EQ(message["version"], "4");
  EXPECT_EQ(message["alerts"][0]["labels"]["alertname"], "Http404Spike");

  // Acknowledged: gone from the outbox, and never sent again.
  EXPECT_TRUE(
      WaitForNotifications(vigied, "queued", [](const json& d) { return d.empty(); }).empty());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(receiver.Requests().size(), 4u);
  EXPECT_EQ(
      MetricValue(vigied,
                  R"(vigie_notifications_retried_total{integration="webhook[0]",receiver="dev"})"),
      3);
  EXPECT_EQ(
      MetricValue(vigied,
                  R"(vigie_notifications_sent_total{integration="webhook[0]",receiver="dev"})"),
      1);
}

TEST(NotifyItTest, ReceiverDownAcrossKill9DeliversAfterRestartExactlyOnce) {
  TempDir dir;
  int port = FreePort();
  Vigied vigied(dir.path() + "/data", {"--notify", NotifyFile(dir, WebhookToPort(port))});
  vigied.Start();
  PostAlert(vigied, "WorkersErroring");
  json queued = WaitForNotifications(vigied, "queued", [](const json& d) {
    return d.size() == 1 && d[0]["attempts"].get<int>() >= 1;
  });
  ASSERT_EQ(queued.size(), 1u) << vigied.Log();
  EXPECT_EQ(queued[0]["status_code"], 0);  // No answer: the receiver is down.

  vigied.Kill9();
  RecordingReceiver receiver(dir, "", port);
  vigied.Start();
  auto got = receiver.WaitFor(1, std::chrono::seconds(20));
  ASSERT_EQ(got.size(), 1u) << vigied.Log();
  json message = json::parse(got[0].body);
  EXPECT_EQ(message["alerts"][0]["labels"]["alertname"], "WorkersErroring");
  EXPECT_EQ(message["status"], "firing");
  EXPECT_TRUE(
      WaitForNotifications(vigied, "queued", [](const json& d) { return d.empty(); }).empty());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(receiver.Requests().size(), 1u) << "sent more than once";
}

TEST(NotifyItTest, ClientErrorsAreKeptInTheFailedList) {
  TempDir dir;
  RecordingReceiver receiver(dir, "404");
  Vigied vigied(dir.path() + "/data", {"--notify", NotifyFile(dir, WebhookTo(receiver))});
  vigied.Start();
  PostAlert(vigied, "Http404Spike");
  json failed = WaitForNotifications(vigied, "failed", [](const json& d) { return !d.empty(); });
  ASSERT_EQ(failed.size(), 1u) << vigied.Log();
  EXPECT_EQ(failed[0]["status_code"], 404);
  EXPECT_EQ(failed[0]["attempts"], 1);
  EXPECT_EQ(failed[0]["last_error"], "HTTP 404: refused by the test");
  vigied.Kill9();
  vigied.Start();
  EXPECT_EQ(Notifications(vigied, "failed").size(), 1u);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(receiver.Requests().size(), 1u) << "a dead letter was sent again";
  EXPECT_EQ(HttpCall(vigied.http_address(), "GET", "/api/v1/notifications?state=lost").status,
            400u);
}

TEST(NotifyItTest, TestReceiverSendsEachPayloadFormat) {
  TempDir dir;
  RecordingReceiver receiver(dir);
  std::string integrations =
      "    slack_configs: [{api_url: '" + receiver.Url("/slack") + "', channel: '#front'}]\n" +
      "    webhook_configs: [{url: '" + receiver.Url("/hook") +
      "'}, {url: " + "'http://127.0.0.1:" + std::to_string(FreePort()) + "/down'}]\n" +
      "    pagerduty_configs: [{routing_key: R0UT, url: '" + receiver.Url("/pd") + "'}]\n";
  Vigied vigied(dir.path() + "/data", {"--notify", NotifyFile(dir, integrations)});
  vigied.Start();
  HttpReply reply = HttpCall(vigied.http_address(), "POST", "/api/v1/receivers/dev/test");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  json data = json::parse(reply.body)["data"];
  ASSERT_EQ(data.size(), 4u);
  EXPECT_EQ(data[0]["integration"], "slack[0]");
  EXPECT_EQ(data[0]["ok"], true);
  EXPECT_EQ(data[0]["status_code"], 200);
  EXPECT_EQ(data[1]["integration"], "webhook[0]");
  EXPECT_EQ(data[2]["integration"], "webhook[1]");
  EXPECT_EQ(data[2]["ok"], false);
  EXPECT_THAT(data[2]["error"].get<std::string>(), HasSubstr("127.0.0.1"));
  EXPECT_EQ(data[3]["integration"], "pagerduty[0]");
  EXPECT_EQ(data[3]["ok"], true);

  auto got = receiver.WaitFor(3, std::chrono::seconds(5));
  ASSERT_EQ(got.size(), 3u);
  std::map<std::string, json> by_path;
  for (const auto& request : got) {
    by_path[request.path] = json::parse(request.body);
    EXPECT_EQ(request.headers["Content-Type"], "application/json");
  }
  EXPECT_EQ(by_path["/slack"]["channel"], "#front");
  EXPECT_EQ(by_path["/slack"]["attachments"][0]["title"], "[FIRING:1] TestNotification");
  EXPECT_EQ(by_path["/hook"]["version"], "4");
  EXPECT_EQ(by_path["/hook"]["receiver"], "dev");
  EXPECT_EQ(by_path["/pd"]["routing_key"], "R0UT");
  EXPECT_EQ(by_path["/pd"]["event_action"], "trigger");
  EXPECT_EQ(by_path["/pd"]["dedup_key"].get<std::string>().size(), 64u);

  EXPECT_EQ(HttpCall(vigied.http_address(), "POST", "/api/v1/receivers/nobody/test").status, 404u);
}

}  // namespace
}  // namespace vigie::testing
