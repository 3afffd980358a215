// vigie alerts against a real vigied evaluating rules: the table of firing and pending alerts,
// its JSON, the history from ALERTS, and the advice when vigied's HTTP address is wrong.
// (--failed and test-receiver need the notification endpoints, tested where they are served.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

constexpr const char* kRules = R"(groups:
  - name: cli
    interval: 1s
    rules:
      - alert: AlwaysOn
        expr: vector(1)
        labels: {service: front, severity: page}
        annotations: {summary: always on}
      - alert: SlowToFire
        expr: vector(2)
        for: 1h
)";

struct Outcome {
  int code = -1;
  std::string out, err;
};

Outcome Alerts(const Vigied& vigied, std::vector<std::string> args) {
  Outcome o;
  args.insert(args.begin(), {BinaryPath("cli/vigie"), "alerts"});
  args.insert(args.end(), {"--url", vigied.http_address()});
  o.code = RunCommand(args, &o.out, "", &o.err);
  return o;
}

TEST(CliAlertsTest, FiringPendingHistoryAndJson) {
  TempDir dir;
  Vigied vigied(dir.path() + "/data", {"--rules", WriteFile(dir, "rules.yml", kRules)});
  vigied.Start();
  ASSERT_FALSE(HasFatalFailure());
  Outcome table;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    table = Alerts(vigied, {});
    if (table.out.find("SlowToFire") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(table.code, 0) << table.err;
  // Firing before pending; labels without alertname; no deploy.
  size_t firing = table.out.find("\nAlwaysOn ");
  size_t pending = table.out.find("\nSlowToFire ");
  ASSERT_NE(firing, std::string::npos) << table.out;
  ASSERT_NE(pending, std::string::npos) << table.out;
  EXPECT_LT(firing, pending);
  EXPECT_NE(table.out.substr(firing, pending - firing).find(" firing "), std::string::npos);
  EXPECT_NE(table.out.substr(pending).find(" pending "), std::string::npos);
  EXPECT_NE(table.out.find("service=front,severity=page"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("ALERT  "), 0u) << table.out;

  Outcome json = Alerts(vigied, {"-o", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  nlohmann::json alerts = nlohmann::json::parse(json.out);
  ASSERT_EQ(alerts.size(), 2u);

  // ALERTS is written at each evaluation: the history has the firing one, still firing.
  Outcome history;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    history = Alerts(vigied, {"--history", "--since", "5m"});
    if (history.out.find("AlwaysOn") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_NE(history.out.find("(firing)"), std::string::npos) << history.out << history.err;
  EXPECT_EQ(history.out.find("SlowToFire"), std::string::npos) << "pending is not firing";
}

TEST(CliAlertsTest, UnreachableUrlSaysWhatToDo) {
  Outcome o;
  o.code =
      RunCommand({BinaryPath("cli/vigie"), "alerts", "--url", "127.0.0.1:1"}, &o.out, "", &o.err);
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("Point --url at its --http-listen address"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace vigie::testing
