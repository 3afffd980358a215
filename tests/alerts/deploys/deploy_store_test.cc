// The deploy store over both record stores: validation, ids, range queries and filters,
// retention, and what survives reopening the RocksDB store.
#include "alerts/deploys/deploy_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "alerts/deploys/deploy_codec.h"
#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::alerts::deploys {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'765'000'000'000;  // A fixed clock, Unix ms.
constexpr int64_t kMinute = 60'000;

Deploy Make(std::string service, int64_t time_ms, std::string version = "1") {
  Deploy d;
  d.service = std::move(service);
  d.version = std::move(version);
  d.time_ms = time_ms;
  return d;
}

std::vector<std::string> Versions(const std::vector<Deploy>& deploys) {
  std::vector<std::string> out;
  for (const Deploy& d : deploys) out.push_back(d.version);
  return out;
}

class DeployStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Reopen(); }

  // A new DeployStore; with RocksDB, over the database closed and opened again.
  void Reopen() {
    deploys_.reset();
    if (!GetParam()) {
      if (!mem_) mem_ = store::NewMemRecordStore();
      records_ = mem_.get();
    } else {
      rocks_.reset();
      store::StoreOptions options;
      options.path = dir_.path() + "/db";
      auto opened = store::Store::Open(options);
      ASSERT_TRUE(opened.ok()) << opened.status();
      rocks_ = *std::move(opened);
      records_ = rocks_.get();
    }
    DeployStoreOptions options;
    options.now_ms = [] { return kNow; };
    options.retention_ms = 30LL * 86400 * 1000;
    deploys_ = std::make_unique<DeployStore>(records_, options);
  }

  Deploy Record(Deploy d) {
    auto stored = deploys_->Record(std::move(d));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : Deploy{};
  }

  std::vector<Deploy> Query(DeployQuery q) {
    auto found = deploys_->Query(q);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::vector<Deploy>{};
  }

  vigie::testing::TempDir dir_;
  std::unique_ptr<store::RecordStore> mem_;
  std::unique_ptr<store::Store> rocks_;
  store::RecordStore* records_ = nullptr;
  std::unique_ptr<DeployStore> deploys_;
};

TEST_P(DeployStoreTest, RecordsEveryFieldAndDefaultsTimeToNow) {
  Deploy d = Make("front", 0, "67");
  d.environment = "prod";
  d.commit = "3f2c1ab";
  d.author = "Ada Lovelace";
  d.description = "new checkout\nand a fix";
  d.url = "https://ci.example/runs/67";
  d.end_ms = kNow + kMinute;
  Deploy stored = Record(d);
  EXPECT_EQ(stored.time_ms, kNow);
  EXPECT_EQ(stored.id.size(), 26u);
  Reopen();
  auto found = Query({.start_ms = kNow, .end_ms = kNow});
  ASSERT_EQ(found.size(), 1u);
  const Deploy& f = found[0];
  EXPECT_EQ(f.id, stored.id);
  EXPECT_EQ(f.service, "front");
  EXPECT_EQ(f.environment, "prod");
  EXPECT_EQ(f.version, "67");
  EXPECT_EQ(f.commit, "3f2c1ab");
  EXPECT_EQ(f.author, "Ada Lovelace");
  EXPECT_EQ(f.description, "new checkout\nand a fix");
  EXPECT_EQ(f.url, "https://ci.example/runs/67");
  EXPECT_EQ(f.time_ms, kNow);
  EXPECT_EQ(f.end_ms, kNow + kMinute);
}

TEST_P(DeployStoreTest, IdsAreUniqueEvenAtTheSameMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.insert(Record(Make("front", kNow - kMinute)).id);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(Query({.start_ms = kNow - kMinute, .end_ms = kNow - kMinute}).size(), 50u);
}

TEST_P(DeployStoreTest, RangeIsInclusiveAndNewestFirst) {
  for (int i = 1; i <= 5; ++i) Record(Make("front", kNow - i * kMinute, std::to_string(i)));
  EXPECT_THAT(Versions(Query({.start_ms = kNow - 4 * kMinute, .end_ms = kNow - 2 * kMinute})),
              ElementsAre("2", "3", "4"));
  EXPECT_THAT(
      Versions(Query({.start_ms = kNow - 4 * kMinute + 1, .end_ms = kNow - 2 * kMinute - 1})),
      ElementsAre("3"));
  EXPECT_THAT(Versions(Query({.start_ms = kNow - 9 * kMinute, .end_ms = kNow, .limit = 2})),
              ElementsAre("1", "2"));
  EXPECT_TRUE(Query({.start_ms = kNow, .end_ms = kNow - kMinute}).empty());
}

TEST_P(DeployStoreTest, ARolloutRunningAtTheStartIsFound) {
  Deploy rollout = Make("front", kNow - 3 * 3600'000, "long");
  rollout.end_ms = kNow - 10 * kMinute;
  Record(rollout);
  Record(Make("front", kNow - 2 * 3600'000, "point"));
  // The rollout began before the range and ended inside it; the point deploy is before it.
  // After a reopen, the longest rollout is read again from the store...
  Reopen();
  EXPECT_THAT(Versions(Query({.start_ms = kNow - 3600'000, .end_ms = kNow})), ElementsAre("long"));
  // ... and a longer one recorded since is reached too.
  Deploy longer = Make("front", kNow - 3 * 86400'000, "longer");
  longer.end_ms = kNow - 2 * 3600'000;
  Record(longer);
  EXPECT_THAT(Versions(Query({.start_ms = kNow - 2 * 3600'000, .end_ms = kNow - 2 * 3600'000})),
              ElementsAre("point", "long", "longer"));
  EXPECT_TRUE(Query({.start_ms = kNow - 9 * kMinute, .end_ms = kNow}).empty());
}

TEST_P(DeployStoreTest, FiltersOnEveryField) {
  Deploy a = Make("front", kNow - 3 * kMinute, "a");
  a.environment = "prod";
  a.author = "ada";
  a.commit = "aaa";
  Deploy b = a;
  b.version = "b";
  b.environment = "staging";
  Deploy c = a;
  c.version = "c";
  c.author = "bob";
  c.commit = "ccc";
  Deploy d = a;
  d.version = "d";
  d.service = "back";
  for (const Deploy& x : {a, b, c, d}) Record(x);
  DeployQuery all{.start_ms = 0, .end_ms = kNow};
  EXPECT_EQ(Query(all).size(), 4u);
  DeployQuery q = all;
  q.service = "front";
  EXPECT_THAT(Versions(Query(q)), ::testing::UnorderedElementsAre("a", "b", "c"));
  q.environment = "prod";
  EXPECT_THAT(Versions(Query(q)), ::testing::UnorderedElementsAre("a", "c"));
  q.author = "bob";
  EXPECT_THAT(Versions(Query(q)), ElementsAre("c"));
  q.author.clear();
  q.commit = "aaa";
  EXPECT_THAT(Versions(Query(q)), ElementsAre("a"));
  q.commit.clear();
  q.version = "d";
  EXPECT_TRUE(Query(q).empty());
}

TEST_P(DeployStoreTest, RetentionDropsWhatBeganBeforeTheCutoff) {
  Record(Make("front", kNow - 3 * 86400'000, "old"));
  Record(Make("front", kNow - 2 * 86400'000, "edge"));
  Record(Make("front", kNow - 86400'000, "new"));
  ASSERT_TRUE(deploys_->DropBefore(kNow - 2 * 86400'000).ok());
  Reopen();
  EXPECT_THAT(Versions(Query({.start_ms = 0, .end_ms = kNow})), ElementsAre("new", "edge"));
}

TEST_P(DeployStoreTest, RefusesInvalidDeploysNamingTheField) {
  struct Case {
    std::function<void(Deploy&)> change;
    std::string error;
  };
  const Case cases[] = {
      {[](Deploy& d) { d.service.clear(); }, "service is required"},
      {[](Deploy& d) { d.service = "front end"; }, "service \"front end\" holds a space"},
      {[](Deploy& d) { d.environment = "pr\x01od"; }, "environment"},
      {[](Deploy& d) { d.version = std::string(129, 'v'); }, "version is 129 bytes long"},
      {[](Deploy& d) { d.commit = "\xff"; }, "commit \"\\xff\" is not valid UTF-8"},
      {[](Deploy& d) { d.author = "a\nb"; }, "author"},
      {[](Deploy& d) { d.url = "ftp://x"; }, "must start with http:// or https://"},
      {[](Deploy& d) { d.time_ms = -5; }, "give a time after 1970"},
      {[](Deploy& d) { d.time_ms = kNow * 1000; }, "ahead of vigied's clock"},
      {[](Deploy& d) { d.time_ms = kNow - 31LL * 86400'000; }, "older than the retention"},
      {[](Deploy& d) { d.end_ms = d.time_ms - 1; }, "is before time"},
      {[](Deploy& d) { d.end_ms = d.time_ms + kMaxRolloutMs + 1; }, "as several deploys"},
  };
  for (const Case& c : cases) {
    Deploy d = Make("front", kNow - kMinute);
    c.change(d);
    auto stored = deploys_->Record(d);
    ASSERT_FALSE(stored.ok()) << c.error;
    EXPECT_EQ(stored.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(stored.status().message()), HasSubstr(c.error));
  }
  EXPECT_TRUE(Query({.start_ms = 0, .end_ms = kNow}).empty());
}

TEST_P(DeployStoreTest, ACorruptRecordIsSkipped) {
  Record(Make("front", kNow - kMinute, "good"));
  ASSERT_TRUE(
      records_
          ->PutRecord(store::RecordSpace::kEvents, TimeKey(kNow - 2 * kMinute) + "x", "\x07garbage")
          .ok());
  EXPECT_THAT(Versions(Query({.start_ms = 0, .end_ms = kNow})), ElementsAre("good"));
}

INSTANTIATE_TEST_SUITE_P(Stores, DeployStoreTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Rocks" : "Mem"; });

TEST(DeployCodecTest, RoundTripsAndRefusesTruncation) {
  Deploy d = Make("front", kNow, "67");
  d.id = "01JEG8X0000000000000000000";
  d.end_ms = kNow + 5;
  std::string value = EncodeDeploy(d);
  auto back = DecodeDeploy(value);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, d.id);
  EXPECT_EQ(back->end_ms, d.end_ms);
  for (size_t n = 0; n < value.size(); ++n) {
    EXPECT_FALSE(DecodeDeploy(value.substr(0, n)).ok()) << n;
  }
}

TEST(DeployCodecTest, IdsSortByTime) {
  absl::BitGen random;
  EXPECT_LT(NewDeployId(1000, random), NewDeployId(1001, random));
  EXPECT_LT(NewDeployId(kNow, random), NewDeployId(kNow + 1, random));
  EXPECT_LT(TimeKey(-1), TimeKey(0));
}

}  // namespace
}  // namespace vigie::alerts::deploys
