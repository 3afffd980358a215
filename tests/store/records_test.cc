// The RecordStore contract, for the RocksDB store and the in-memory one tests use above it.
#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::store {
namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

class RecordsTest : public ::testing::TestWithParam<bool> {
 protected:
  bool rocks() const { return GetParam(); }

  RecordStore* Open() {
    if (!rocks()) {
      if (!mem_) mem_ = NewMemRecordStore();
      return mem_.get();
    }
    store_.reset();
    StoreOptions options;
    options.path = dir_.path() + "/db";
    auto store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    return store_.get();
  }

  static Records Scan(const RecordStore& records, RecordSpace space, std::string_view from = "",
                      std::string_view to = "") {
    Records out;
    auto st = records.ScanRecords(space, from, to, [&](std::string_view k, std::string_view v) {
      out.emplace_back(k, v);
      return true;
    });
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RecordStore> mem_;
};

TEST_P(RecordsTest, WritesAreKeptPerSpaceInKeyOrderAcrossReopen) {
  RecordStore* records = Open();
  std::vector<RecordWrite> writes = {{RecordSpace::kOutbox, "b", "2"},
                                     {RecordSpace::kOutbox, "a", "1"},
                                     {RecordSpace::kSilences, "a", "silence"}};
  ASSERT_TRUE(records->WriteRecords(writes).ok());
  records = Open();
  EXPECT_EQ(Scan(*records, RecordSpace::kOutbox), (Records{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(Scan(*records, RecordSpace::kSilences), (Records{{"a", "silence"}}));
  EXPECT_TRUE(Scan(*records, RecordSpace::kEvents).empty());
  auto value = records->GetRecord(RecordSpace::kOutbox, "b");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, std::optional<std::string>("2"));
  value = records->GetRecord(RecordSpace::kAlertState, "b");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, std::nullopt);
}

TEST_P(RecordsTest, DeletesAndRangesApplyToOneSpace) {
  RecordStore* records = Open();
  for (std::string key : {"k1", "k2", "k3", "k4"}) {
    ASSERT_TRUE(records->PutRecord(RecordSpace::kEvents, key, "e" + key).ok());
    ASSERT_TRUE(records->PutRecord(RecordSpace::kAlertState, key, "s" + key).ok());
  }
  EXPECT_EQ(Scan(*records, RecordSpace::kEvents, "k2", "k4"),
            (Records{{"k2", "ek2"}, {"k3", "ek3"}}));
  ASSERT_TRUE(records->DeleteRecordRange(RecordSpace::kEvents, "k1", "k3").ok());
  ASSERT_TRUE(records->DeleteRecord(RecordSpace::kAlertState, "k4").ok());
  records = Open();
  EXPECT_EQ(Scan(*records, RecordSpace::kEvents), (Records{{"k3", "ek3"}, {"k4", "ek4"}}));
  EXPECT_EQ(Scan(*records, RecordSpace::kAlertState),
            (Records{{"k1", "sk1"}, {"k2", "sk2"}, {"k3", "sk3"}}));
}

TEST_P(RecordsTest, AScanStopsWhenTheVisitorSaysSo) {
  RecordStore* records = Open();
  for (std::string key : {"a", "b", "c"}) {
    ASSERT_TRUE(records->PutRecord(RecordSpace::kOutbox, key, "").ok());
  }
  int seen = 0;
  ASSERT_TRUE(records
                  ->ScanRecords(RecordSpace::kOutbox, "", "",
                                [&](std::string_view, std::string_view) { return ++seen < 2; })
                  .ok());
  EXPECT_EQ(seen, 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, RecordsTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Rocks" : "Memory"; });

}  // namespace
}  // namespace vigie::store
