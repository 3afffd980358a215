// What `vigie alerts` computes from vigied's answers: the active table, the firings of the
// history (runs of ALERTS over a range query) with the deploy before each, the dead letters.
#include "cli/alerts_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::cli {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;

constexpr int64_t kT0 = 1'796'000'000'000;  // 2026-11-29T...Z, a whole second.

std::string Rfc3339(int64_t ms) {
  time_t s = ms / 1000;
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
  return buf;
}

TEST(AlertsViewTest, ShortDuration) {
  EXPECT_EQ(ShortDuration(45'000), "45s");
  EXPECT_EQ(ShortDuration(252'000), "4m12s");
  EXPECT_EQ(ShortDuration(240'000), "4m");
  EXPECT_EQ(ShortDuration(7'500'000), "2h5m");
  EXPECT_EQ(ShortDuration(3 * 86'400'000 + 4 * 3'600'000), "3d4h");
}

TEST(AlertsViewTest, ActiveAlertsFiringFirstNewestFirstWithTheirDeploy) {
  Json alerts = Json::parse(R"([
    {"labels": {"alertname": "Slow", "service": "api"}, "annotations": {}, "state": "pending",
     "activeAt": ")" + Rfc3339(kT0 - 30'000) +
                            R"(", "value": "0.9"},
    {"labels": {"alertname": "Http404Spike", "service": "front", "deploy_correlated": "true"},
     "annotations": {"deploy_version": "67", "deploy_commit": "3f2c1ab",
                     "deploy_author": "alice", "deploy_minutes_before": "4"},
     "state": "firing", "activeAt": ")" +
                            Rfc3339(kT0 - 252'000) + R"(", "value": "312"},
    {"labels": {"alertname": "Down", "job": "node"}, "annotations": {}, "state": "firing",
     "activeAt": ")" + Rfc3339(kT0 - 60'000) +
                            R"(", "value": "0"}])");
  Rows rows = ActiveAlertRows(alerts, kT0);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_THAT(rows[0], ElementsAre("ALERT", "STATE", "VALUE", "SINCE", "LABELS", "DEPLOY"));
  EXPECT_THAT(rows[1], ElementsAre("Down", "firing", "0", "1m ago", "job=node", "-"));
  EXPECT_THAT(rows[2], ElementsAre("Http404Spike", "firing", "312", "4m12s ago", "service=front",
                                   "67 (3f2c1ab) by alice, 4 min before"));
  EXPECT_THAT(rows[3], ElementsAre("Slow", "pending", "0.9", "30s ago", "service=api", "-"));
}

// A matrix point list: the steps (in units of `step` from kT0) at which the series has a value.
Json Points(std::initializer_list<int> steps, int64_t step_ms) {
  Json values = Json::array();
  for (int s : steps) values.push_back({(kT0 + s * step_ms) / 1000.0, "1"});
  return values;
}

TEST(AlertsViewTest, EachRunOfPresenceIsOneFiringWithTheDeployBeforeIt) {
  const int64_t step = 10'000;
  Json matrix = Json::array();
  matrix.push_back({{"metric",
                     {{"__name__", "ALERTS"},
                      {"alertname", "Down"},
                      {"alertstate", "firing"},
                      {"service", "front"}}},
                    {"values", Points({0, 1, 2, 5, 6, 9}, step)}});
  matrix.push_back(
      {{"metric", {{"__name__", "ALERTS"}, {"alertname", "Lonely"}, {"alertstate", "firing"}}},
       {"values", Points({3}, step)}});
  std::vector<Firing> firings = FiringsFromMatrix(matrix, step, kT0 + 9 * step);
  ASSERT_EQ(firings.size(), 4u);
  // Newest first: Down from step 9 (ongoing), 5-6, Lonely at 3, Down 0-2.
  EXPECT_EQ(firings[0].start_ms, kT0 + 9 * step);
  EXPECT_TRUE(firings[0].ongoing);
  EXPECT_EQ(firings[1].start_ms, kT0 + 5 * step);
  EXPECT_EQ(firings[1].end_ms, kT0 + 6 * step);
  EXPECT_FALSE(firings[1].ongoing);
  EXPECT_EQ(firings[2].labels.at("alertname"), "Lonely");
  EXPECT_EQ(firings[3].end_ms - firings[3].start_ms, 2 * step);
  EXPECT_EQ(firings[3].labels.count("alertstate"), 0u);

  Json deploys = Json::parse(R"([
    {"service": "front", "version": "66", "commit": "aaa", "author": "bob", "time": ")" +
                             Rfc3339(kT0 - 600'000) + R"("},
    {"service": "front", "version": "67", "commit": "3f2c1ab", "author": "alice", "time": ")" +
                             Rfc3339(kT0 + 30'000) + R"("},
    {"service": "back", "version": "9", "time": ")" +
                             Rfc3339(kT0 + 40'000) + R"("}])");
  AttachDeploys(deploys, &firings);
  EXPECT_EQ(firings[1].deploy.value("version", ""), "67");  // 20 s before step 5.
  EXPECT_EQ(firings[3].deploy.value("version", ""), "66");
  EXPECT_TRUE(firings[2].deploy.is_null());  // Neither service nor job: no deploy.
  Rows rows = HistoryRows(firings);
  EXPECT_THAT(rows[0], ElementsAre("STARTED", "ALERT", "LASTED", "LABELS", "DEPLOY BEFORE"));
  EXPECT_THAT(rows[1], ElementsAre(Rfc3339(kT0 + 90'000), "Down", "0s (firing)", "service=front",
                                   "front#67 (3f2c1ab) by alice, 1m before"));
  EXPECT_THAT(rows[2], ElementsAre(Rfc3339(kT0 + 50'000), "Down", "10s", "service=front",
                                   "front#67 (3f2c1ab) by alice, 20s before"));
  EXPECT_EQ(HistoryJson(firings)[3]["deploy"]["version"], "66");
}

TEST(AlertsViewTest, FailedNotifications) {
  Rows rows = FailedRows(Json::parse(R"([{"id": "7", "receiver": "dev", "integration": "slack[0]",
    "group_key": "{}:{alertname=\"A\"}", "created": "2026-12-06T20:41:00Z", "attempts": 1,
    "last_error": "400 Bad Request: invalid_payload", "status_code": 400}])"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1], ElementsAre("2026-12-06T20:41:00Z", "dev", "slack[0]", "1", "400",
                                   "400 Bad Request: invalid_payload", "{}:{alertname=\"A\"}"));
}

}  // namespace
}  // namespace vigie::cli
