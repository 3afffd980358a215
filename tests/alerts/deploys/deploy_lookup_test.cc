// Which deploys an alert is correlated with: the window's edges, the service label and its
// fallback, environments, rollouts around the onset.
#include "alerts/deploys/deploy_lookup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::alerts::deploys {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kOnset = 1'765'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kWindow = 30 * kMinute;

class DeployLookupTest : public ::testing::Test {
 protected:
  DeployLookupTest() : records_(store::NewMemRecordStore()) {
    DeployStoreOptions options;
    options.now_ms = [] { return kOnset + 10 * kMinute; };
    store_ = std::make_unique<DeployStore>(records_.get(), options);
    lookup_ = MakeDeployLookup(store_.get(), {});
  }

  void Add(std::string service, int64_t time_ms, std::string version,
           std::optional<int64_t> end_ms = std::nullopt, std::string environment = "") {
    Deploy d;
    d.service = std::move(service);
    d.time_ms = time_ms;
    d.version = std::move(version);
    d.end_ms = end_ms;
    d.environment = std::move(environment);
    ASSERT_TRUE(store_->Record(d).ok());
  }

  std::vector<std::string> Correlated(std::string_view labels, int64_t onset = kOnset) {
    auto set = LabelSet::Parse(labels);
    EXPECT_TRUE(set.ok()) << set.status();
    std::vector<std::string> versions;
    for (const Deploy& d : lookup_(*set, onset)) versions.push_back(d.version);
    return versions;
  }

  std::unique_ptr<store::RecordStore> records_;
  std::unique_ptr<DeployStore> store_;
  DeployLookup lookup_;
};

TEST_F(DeployLookupTest, WindowEdgesAreInclusive) {
  Add("front", kOnset - kWindow - 1, "too-early");
  Add("front", kOnset - kWindow, "window-start");
  Add("front", kOnset - 4 * kMinute, "four-minutes-before");
  Add("front", kOnset, "at-onset");
  Add("front", kOnset + 1, "after-onset");
  EXPECT_THAT(Correlated(R"({alertname="Http404Spike", service="front"})"),
              ElementsAre("at-onset", "four-minutes-before", "window-start"));
}

TEST_F(DeployLookupTest, TheWindowIsConfigurable) {
  Add("front", kOnset - 4 * kMinute, "four");
  Add("front", kOnset - 2 * kMinute, "two");
  lookup_ = MakeDeployLookup(store_.get(), {.window_ms = 3 * kMinute});
  EXPECT_THAT(Correlated(R"({service="front"})"), ElementsAre("two"));
}

TEST_F(DeployLookupTest, ServiceLabelThenJob) {
  Add("front", kOnset - kMinute, "front");
  Add("api", kOnset - kMinute, "api");
  EXPECT_THAT(Correlated(R"({service="front", job="api"})"), ElementsAre("front"));
  EXPECT_THAT(Correlated(R"({job="api"})"), ElementsAre("api"));
  EXPECT_TRUE(Correlated(R"({instance="api"})").empty());
  EXPECT_TRUE(Correlated(R"({service="back"})").empty());
  lookup_ = MakeDeployLookup(store_.get(), {.service_labels = {"app"}});
  EXPECT_THAT(Correlated(R"({app="api", service="front"})"), ElementsAre("api"));
}

TEST_F(DeployLookupTest, RolloutsMeetingTheWindow) {
  // Began before the window, still rolling out at the onset: the onset happened during it.
  Add("front", kOnset - 2 * kWindow, "spanning", kOnset + kMinute);
  // Began before the window, ended inside it.
  Add("front", kOnset - 2 * kWindow, "ended-inside", kOnset - kMinute);
  // Ended just before the window.
  Add("front", kOnset - 2 * kWindow, "ended-before", kOnset - kWindow - 1);
  // Began after the onset: it cannot have caused it.
  Add("front", kOnset + kMinute, "later", kOnset + 2 * kMinute);
  EXPECT_THAT(Correlated(R"({service="front"})"),
              ::testing::UnorderedElementsAre("spanning", "ended-inside"));
}

TEST_F(DeployLookupTest, EnvironmentWhenTheAlertHasOne) {
  Add("front", kOnset - 3 * kMinute, "prod", std::nullopt, "prod");
  Add("front", kOnset - 2 * kMinute, "staging", std::nullopt, "staging");
  Add("front", kOnset - 1 * kMinute, "unnamed");
  EXPECT_THAT(Correlated(R"({service="front", env="prod"})"), ElementsAre("unnamed", "prod"));
  EXPECT_THAT(Correlated(R"({service="front", environment="staging"})"),
              ElementsAre("unnamed", "staging"));
  EXPECT_THAT(Correlated(R"({service="front"})"), ElementsAre("unnamed", "staging", "prod"));
}

TEST_F(DeployLookupTest, KeepsTheNewestWhenThereAreMany) {
  for (int i = 0; i < 12; ++i) Add("front", kOnset - (12 - i) * kMinute, std::to_string(i));
  lookup_ = MakeDeployLookup(store_.get(), {.max_deploys = 3});
  EXPECT_THAT(Correlated(R"({service="front"})"), ElementsAre("11", "10", "9"));
}

}  // namespace
}  // namespace vigie::alerts::deploys
