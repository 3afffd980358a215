// The anomaly and backlog fields of /api/v1/rules, and POST /api/v1/anomaly/backfill's
// parameters, answers and errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/http/anomaly_api.h"
#include "server/http/rules_api.h"

namespace vigie::server::http {
namespace {

using alerts::rules::RuleManager;
using nlohmann::json;

TEST(AnomalyApiTest, RulesShowAnomalyAndBacklogSettings) {
  auto specs = alerts::rules::ParseRuleFile("r.yaml", R"(groups:
  - name: g
    rules:
      - alert: A
        anomaly: {expr: 'sum(rate(x[5m]))', direction: down, sensitivity: low}
      - alert: Q
        backlog: {depth: 'q', processed: 'rate(p[5m])', for: 10m}
)",
                                            Limits());
  ASSERT_TRUE(specs.ok()) << specs.status();
  alerts::rules::GroupStatus g;
  g.file = "r.yaml";
  g.name = "g";
  for (const auto& r : (*specs)[0].rules) g.rules.push_back({.spec = r});
  g.rules[0].anomaly = alerts::rules::AnomalyRule::Counts{.series = 3, .learning = 2};
  Response r = RulesResponse(Request(), {g});
  ASSERT_EQ(r.status, 200u);
  json rules = json::parse(r.body)["data"]["groups"][0]["rules"];
  EXPECT_EQ(rules[0]["anomaly"], json::parse(R"({"direction": "down", "sensitivity": "low",
      "detector": "combined", "series": 3, "learning": 2})"));
  EXPECT_EQ(rules[0]["query"], "sum(rate(x[5m]))");
  EXPECT_EQ(rules[1]["backlog"],
            json::parse(R"j({"depth": "q", "processed": "rate(p[5m])", "for": 600.0})j"));
  EXPECT_NE(rules[1]["query"].get<std::string>().find("deriv(q[10m])"), std::string::npos);
}

TEST(AnomalyApiTest, BackfillPassesItsParametersAndAnswersPerGroup) {
  std::string rule, group;
  int64_t since = 0, step = 0;
  BackfillFunc backfill =
      [&](const std::string& r, const std::string& g, int64_t now, int64_t s,
          int64_t st) -> absl::StatusOr<std::vector<RuleManager::BackfillReport>> {
    rule = r, group = g, since = s, step = st;
    if (r == "Nope") return absl::NotFoundError("no anomaly rule named \"Nope\"");
    RuleManager::BackfillReport report{"r.yaml", "g", {now - s, now, 60'000}, {2, 20, 1}};
    return std::vector<RuleManager::BackfillReport>{report};
  };
  Request request;
  request.params = {{"rule", "A"}, {"since", "2d"}, {"group", "g"}, {"step", "1m"}};
  Response ok = BackfillResponse(request, 1'700'000'000'000, backfill);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(rule, "A");
  EXPECT_EQ(group, "g");
  EXPECT_EQ(since, 2 * 86'400'000);
  EXPECT_EQ(step, 60'000);
  json data = json::parse(ok.body)["data"];
  EXPECT_EQ(data["rule"], "A");
  EXPECT_EQ(data["groups"][0]["series"], 2);
  EXPECT_EQ(data["groups"][0]["points"], 20);
  EXPECT_EQ(data["groups"][0]["learning"], 1);
  EXPECT_EQ(data["groups"][0]["step"], 60.0);
  EXPECT_EQ(data["groups"][0]["end"], "2023-11-14T22:13:20.000000000Z");

  request.params = {{"rule", "A"}};  // Defaults: 7d, the group's step.
  ASSERT_EQ(BackfillResponse(request, 0, backfill).status, 200u);
  EXPECT_EQ(since, 7 * 86'400'000);
  EXPECT_EQ(step, 0);
  EXPECT_TRUE(group.empty());

  request.params = {};
  Response missing = BackfillResponse(request, 0, backfill);
  EXPECT_EQ(missing.status, 400u);
  EXPECT_NE(missing.body.find("missing parameter \\\"rule\\\""), std::string::npos) << missing.body;
  request.params = {{"rule", "A"}, {"since", "soon"}};
  EXPECT_EQ(BackfillResponse(request, 0, backfill).status, 400u);
  request.params = {{"rule", "Nope"}};
  EXPECT_EQ(BackfillResponse(request, 0, backfill).status, 404u);
}

}  // namespace
}  // namespace vigie::server::http
