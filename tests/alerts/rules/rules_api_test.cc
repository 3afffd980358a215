// /api/v1/rules and /api/v1/alerts in Prometheus's JSON shapes, with 2.42's filters.
#include "server/http/rules_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vigie::server::http {
namespace {

using alerts::rules::AlertInstance;
using alerts::rules::AlertState;
using alerts::rules::GroupStatus;
using alerts::rules::RuleStatus;
using nlohmann::json;

std::vector<GroupStatus> Groups() {
  auto specs = alerts::rules::ParseRuleFile("r.yaml", R"(groups:
  - name: front
    interval: 30s
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
      - alert: Spike
        expr: sum(count_over_time({service="front"}[1m]))   >   100
        for: 2m
        keep_firing_for: 5m
        labels: {severity: page}
        annotations: {summary: s}
  - name: back
    rules:
      - alert: Down
        expr: up == 0
)",
                                            Limits());
  EXPECT_TRUE(specs.ok()) << specs.status();
  std::vector<GroupStatus> out;
  for (const auto& spec : *specs) {
    GroupStatus g;
    g.file = spec.file;
    g.name = spec.name;
    g.interval_ms = spec.interval_ms > 0 ? spec.interval_ms : 60'000;
    g.last_evaluation_ms = 1'700'000'000'120;
    for (const auto& r : spec.rules) {
      RuleStatus rs;
      rs.spec = r;
      rs.health = "ok";
      rs.last_evaluation_ms = 1'700'000'000'000;
      g.rules.push_back(rs);
    }
    out.push_back(g);
  }
  AlertInstance a;
  a.labels = *LabelSet::Parse(R"({alertname="Spike", severity="page"})");
  a.annotations = {{"summary", "s"}};
  a.state = AlertState::kFiring;
  a.value = 312;
  a.active_at_ms = 1'700'000'000'500;
  a.deploy_correlated = false;
  out[0].rules[1].alerts.push_back(a);
  out[0].rules[1].state = AlertState::kFiring;
  return out;
}

json Body(const Response& r) {
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body);
}

TEST(RulesApiTest, RulesInPrometheusShape) {
  Request request;
  json body = Body(RulesResponse(request, Groups()));
  EXPECT_EQ(body["status"], "success");
  const json& groups = body["data"]["groups"];
  ASSERT_EQ(groups.size(), 2u);
  const json& front = groups[0];
  EXPECT_EQ(front["name"], "front");
  EXPECT_EQ(front["file"], "r.yaml");
  EXPECT_EQ(front["interval"], 30.0);
  EXPECT_EQ(front["lastEvaluation"], "2023-11-14T22:13:20.12Z");
  const json& record = front["rules"][0];
  EXPECT_EQ(record["type"], "recording");
  EXPECT_EQ(record["query"], "sum by (job) (x)");
  EXPECT_EQ(record["lastEvaluation"], "2023-11-14T22:13:20Z");
  EXPECT_FALSE(record.contains("lastError"));
  const json& alert = front["rules"][1];
  EXPECT_EQ(alert["type"], "alerting");
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["query"], "sum(count_over_time({service=\"front\"}[1m])) > 100");
  EXPECT_EQ(alert["duration"], 120.0);
  EXPECT_EQ(alert["keepFiringFor"], 300.0);
  EXPECT_EQ(alert["labels"]["severity"], "page");
  ASSERT_EQ(alert["alerts"].size(), 1u);
  EXPECT_EQ(alert["alerts"][0]["value"], "3.12e+02");
  EXPECT_EQ(alert["alerts"][0]["activeAt"], "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(alert["alerts"][0]["labels"]["deploy_correlated"], "false");
  EXPECT_FALSE(alert["alerts"][0].contains("keepFiringSince"));
  EXPECT_EQ(groups[1]["rules"][0]["state"], "inactive");
  EXPECT_EQ(groups[1]["rules"][0]["lastEvaluation"], "2023-11-14T22:13:20Z");
}

TEST(RulesApiTest, Filters) {
  auto names = [](const json& body) {
    std::vector<std::string> out;
    for (const json& g : body["data"]["groups"]) {
      for (const json& r : g["rules"])
        out.push_back(g["name"].get<std::string>() + "/" + r["name"].get<std::string>());
    }
    return out;
  };
  Request request;
  request.params = {{"type", "record"}};
  EXPECT_EQ(names(Body(RulesResponse(request, Groups()))),
            std::vector<std::string>{"front/job:x:sum"});
  request.params = {{"type", "alert"}, {"rule_group[]", "back"}};
  EXPECT_EQ(names(Body(RulesResponse(request, Groups()))), std::vector<std::string>{"back/Down"});
  request.params = {{"rule_name[]", "Spike"}, {"rule_name[]", "Down"}, {"file[]", "r.yaml"}};
  EXPECT_EQ(names(Body(RulesResponse(request, Groups()))),
            (std::vector<std::string>{"front/Spike", "back/Down"}));
  request.params = {{"type", "alerts"}};
  Response bad = RulesResponse(request, Groups());
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("bad_data"), std::string::npos) << bad.body;
}

TEST(RulesApiTest, AlertsAndReload) {
  json body = Body(AlertsResponse(Groups()));
  ASSERT_EQ(body["data"]["alerts"].size(), 1u);
  EXPECT_EQ(body["data"]["alerts"][0]["state"], "firing");
  EXPECT_EQ(body["data"]["alerts"][0]["annotations"]["summary"], "s");
  EXPECT_EQ(ReloadResponse(absl::OkStatus()).status, 200u);
  Response refused = ReloadResponse(absl::InvalidArgumentError("r.yaml:3: group \"g\": x"));
  EXPECT_EQ(refused.status, 500u);
  EXPECT_EQ(refused.body, "failed to reload config: r.yaml:3: group \"g\": x\n");
}

}  // namespace
}  // namespace vigie::server::http
