// Rules in a real vigied: an alert over remote_written samples goes pending then firing, and is
// still firing with its original activeAt after kill -9 and a restart; a LogQL alert over pushed
// logs fires; a reload with a broken file is refused (file, line, rule, reason) and the running
// rules go on; SIGHUP reloads; `vigie rules check` reports as promtool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "tests/alerts/rules/it_util.h"
#include "tests/http/http_client.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The alerts named `name` in /api/v1/alerts.
std::vector<json> Alerts(const Vigied& server, const std::string& name) {
  std::vector<json> out;
  json body = GetJson(server, "/api/v1/alerts");
  if (!body.contains("data")) return out;
  for (const json& a : body["data"]["alerts"]) {
    if (a["labels"].value("alertname", "") == name) out.push_back(a);
  }
  return out;
}

// Polls until the one alert named `name` is in `state`; returns it (null on timeout).
json WaitForAlert(const Vigied& server, const std::string& name, const std::string& state) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<json> alerts = Alerts(server, name);
    if (alerts.size() == 1 && alerts[0]["state"] == state) return alerts[0];
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "alert " << name << " never " << state << "; log:\n" << server.Log();
  return json();
}

void WriteSample(const Vigied& server, const std::string& metric, double value) {
  WriteSeries s{{{"__name__", metric}, {"service", "worker"}}, {{NowNanos() / 1'000'000, value}}};
  HttpReply reply = RemoteWrite(server.http_address(), MakeWriteRequest({s}));
  ASSERT_EQ(reply.status, 204u) << reply.error << reply.body;
}

TEST(RulesIntegrationTest, FiringAlertSurvivesKill9WithItsActiveAt) {
  TempDir dir;
  WriteFile(dir.path() + "/workers.yaml", R"(groups:
  - name: workers
    interval: 1s
    rules:
      - alert: WorkersErroring
        expr: worker_errors > 0.5
        for: 3s
        labels: {severity: ticket}
        annotations: {summary: "{{ $value }} errors on {{ $labels.service }}"}
)");
  Vigied server(dir.path() + "/data", {"--rules", dir.path() + "/*.yaml"});
  server.Start();
  WriteSample(server, "worker_errors", 2);
  json pending = WaitForAlert(server, "WorkersErroring", "pending");
  ASSERT_FALSE(pending.is_null());
  EXPECT_EQ(pending["labels"]["service"], "worker");
  EXPECT_EQ(pending["labels"]["severity"], "ticket");
  EXPECT_EQ(pending["annotations"]["summary"], "2 errors on worker");
  json firing = WaitForAlert(server, "WorkersErroring", "firing");
  ASSERT_FALSE(firing.is_null());
  EXPECT_EQ(firing["activeAt"], pending["activeAt"]);
  // The state is shown as soon as it is evaluated, and its ALERTS samples (the pending series'
  // staleness marker among them) are appended just after: killed in between, the pending series
  // would stay visible for the lookback, as in Prometheus. Kill once they are in.
  auto only_firing = [&] {
    json result = GetJson(server, "/api/v1/query?query=ALERTS")["data"]["result"];
    return result.size() == 1 && result[0]["metric"]["alertstate"] == "firing";
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!only_firing() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  server.Kill9();
  server.Start();
  // Restored before the first evaluation: firing at once, with the same onset.
  std::vector<json> restored = Alerts(server, "WorkersErroring");
  ASSERT_EQ(restored.size(), 1u) << server.Log();
  EXPECT_EQ(restored[0]["state"], "firing");
  EXPECT_EQ(restored[0]["activeAt"], pending["activeAt"]);
  // And it stays so once evaluations resume.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  restored = Alerts(server, "WorkersErroring");
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0]["state"], "firing");
  EXPECT_EQ(restored[0]["activeAt"], pending["activeAt"]);

  json rules = GetJson(server, "/api/v1/rules?type=alert");
  ASSERT_EQ(rules["data"]["groups"].size(), 1u);
  const json& rule = rules["data"]["groups"][0]["rules"][0];
  EXPECT_EQ(rule["name"], "WorkersErroring");
  EXPECT_EQ(rule["state"], "firing");
  EXPECT_EQ(rule["duration"], 3.0);
  EXPECT_EQ(rule["health"], "ok");
  EXPECT_EQ(GetJson(server, "/api/v1/rules?type=record")["data"]["groups"].size(), 0u);
  // ALERTS is written as Prometheus writes it.
  json series = GetJson(server, "/api/v1/query?query=ALERTS");
  ASSERT_EQ(series["data"]["result"].size(), 1u);
  EXPECT_EQ(series["data"]["result"][0]["metric"]["alertstate"], "firing");
  // The evaluations are counted in /metrics.
  HttpReply metrics = HttpCall(server.http_address(), "GET", "/metrics", "", {});
  EXPECT_THAT(metrics.body, HasSubstr("prometheus_rule_evaluations_total{rule_group=\"" +
                                      dir.path() + "/workers.yaml;workers\"}"));
}

TEST(RulesIntegrationTest, LogQLAlertOverPushedLogs) {
  TempDir dir;
  WriteFile(dir.path() + "/front.yaml", R"(groups:
  - name: front
    interval: 1s
    rules:
      - alert: Http404Spike
        expr: sum(count_over_time({service="front"} |~ `" 404 ` [1m])) > 2
        labels: {service: front}
        annotations: {summary: "{{ $value }} 404s per minute"}
)");
  Vigied server(dir.path() + "/data", {"--rules", dir.path() + "/*.yaml"});
  server.Start();
  std::string now = StrCat(NowNanos());
  json push = {
      {"streams", json::array({{{"stream", {{"service", "front"}}}, {"values", json::array()}}})}};
  for (int i = 0; i < 3; ++i) {
    push["streams"][0]["values"].push_back({now, StrCat("GET /x", i, " HTTP/1.1\" 404 12")});
  }
  push["streams"][0]["values"].push_back({now, "GET / HTTP/1.1\" 200 12"});
  HttpReply reply = HttpCall(server.http_address(), "POST", "/loki/api/v1/push", push.dump(),
                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(reply.status, 204u) << reply.body;
  json firing = WaitForAlert(server, "Http404Spike", "firing");
  ASSERT_FALSE(firing.is_null());
  EXPECT_EQ(firing["annotations"]["summary"], "3 404s per minute");
}

TEST(RulesIntegrationTest, BrokenReloadKeepsTheRunningRulesAndSighupReloads) {
  TempDir dir;
  WriteFile(dir.path() + "/a.yaml", R"(groups:
  - name: a
    interval: 1s
    rules:
      - alert: Always
        expr: vector(1)
)");
  Vigied server(dir.path() + "/data", {"--rules", dir.path() + "/*.yaml"});
  server.Start();
  json before = WaitForAlert(server, "Always", "firing");
  ASSERT_FALSE(before.is_null());

  WriteFile(dir.path() + "/b.yaml", R"(groups:
  - name: b
    rules:
      - alert: Broken
        expr: sum(rate(x[5m]) >
)");
  HttpReply reply = HttpCall(server.http_address(), "POST", "/-/reload", "", {});
  EXPECT_EQ(reply.status, 500u);
  EXPECT_THAT(reply.body,
              HasSubstr(dir.path() + "/b.yaml:5: group \"b\", rule \"Broken\": expr: "));
  EXPECT_EQ(HttpCall(server.http_address(), "GET", "/-/reload", "", {}).status, 405u);
  // The running group goes on, its alert untouched.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<json> after = Alerts(server, "Always");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["activeAt"], before["activeAt"]);
  EXPECT_EQ(GetJson(server, "/api/v1/rules")["data"]["groups"].size(), 1u);

  WriteFile(dir.path() + "/b.yaml", R"(groups:
  - name: b
    interval: 1s
    rules:
      - alert: Fixed
        expr: vector(2)
)");
  kill(server.pid(), SIGHUP);
  ASSERT_FALSE(WaitForAlert(server, "Fixed", "firing").is_null());
  // Group a was unchanged: it kept running, and its alert its onset.
  after = Alerts(server, "Always");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["activeAt"], before["activeAt"]);
  reply = HttpCall(server.http_address(), "PUT", "/-/reload", "", {});
  EXPECT_EQ(reply.status, 200u) << reply.body;
  json groups = GetJson(server, "/api/v1/rules?rule_group[]=b");
  ASSERT_EQ(groups["data"]["groups"].size(), 1u);
  EXPECT_EQ(groups["data"]["groups"][0]["file"], dir.path() + "/b.yaml");
}

TEST(RulesIntegrationTest, VigiedRefusesToStartWithABrokenRuleFile) {
  TempDir dir;
  WriteFile(dir.path() + "/bad.yaml",
            "groups:\n  - name: g\n    rules:\n      - record: 'x y'\n"
            "        expr: up\n");
  std::string out, err;
  int code = RunCommand(
      {BinaryPath("server/vigied"), "--data-dir", dir.path() + "/data", "--http-listen",
       "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--rules", dir.path() + "/bad.yaml"},
      &out, "", &err);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr(dir.path() + "/bad.yaml:4: group \"g\", rule \"x y\": record: "
                                          "invalid recording rule name"));
}

TEST(RulesIntegrationTest, RulesCheckReportsAsPromtool) {
  TempDir dir;
  WriteFile(dir.path() + "/good.yaml", R"(groups:
  - name: g
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
      - alert: Logs
        expr: sum(count_over_time({service="front"} |= "404" [1m])) > 100
)");
  WriteFile(dir.path() + "/bad.yaml",
            "groups:\n  - name: g\n    rules:\n      - alert: A\n"
            "        expr: up\n        for: later\n");
  std::string out, err;
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "rules", "check", dir.path() + "/good.yaml"}, &out,
                       "", &err),
            0)
      << err;
  EXPECT_THAT(out, HasSubstr("Checking " + dir.path() + "/good.yaml\n  SUCCESS: 2 rules found"));
  out.clear();
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "rules", "check", dir.path() + "/good.yaml",
                        dir.path() + "/bad.yaml"},
                       &out, "", &err),
            1);
  EXPECT_THAT(out, HasSubstr("SUCCESS: 2 rules found"));
  EXPECT_THAT(err, HasSubstr("  FAILED:\n" + dir.path() +
                             "/bad.yaml:6: group \"g\", rule \"A\": for: \"later\" is not a "
                             "duration"));
}

}  // namespace
}  // namespace vigie::testing
