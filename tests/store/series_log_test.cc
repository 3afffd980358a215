// The series store's head log (series_wal/) as the store uses it: upgrades of older formats,
// replay after a crash, checkpoints, and a failing sync; on a real database in a temp dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/varint.h"
#include "rocksdb/db.h"
#include "store/keys.h"
#include "store/series_format.h"
#include "store/series_head.h"
#include "store/series_wal.h"
#include "tests/store/faulty_wal_fs.h"
#include "tests/store/series_store_fixture.h"

namespace vigie::store {
namespace {

TEST_F(SeriesStoreTest, AVersionOneDatabaseIsUpgradedInPlace) {
  LabelSet api = Labels({{"service", "api"}});
  {
    auto store = Open();
    AppendRequest request;
    request.streams.push_back({api, {{kT0 * 1'000'000, "a line"}}});
    ASSERT_TRUE(store->Append(request).ok());
  }
  // A log-only database of version 1: no series or record families.
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    for (const auto& [name, handle] : families) {
      if (name != "default" && !name.starts_with("stream") && !name.starts_with("block") &&
          name != "log_blocks") {
        ASSERT_TRUE(db->DropColumnFamily(handle).ok());
      }
    }
    ASSERT_TRUE(db->Put({}, families.at("default"), kFormatVersionKey, "1").ok());
  });
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->StreamsWhere("service", [](std::string_view) { return true; }, {}).size(), 1u);
  LabelSet up = Labels({{"__name__", "up"}});
  EXPECT_EQ(Add(*store, up, {{kT0, 1}}).accepted, 1u);
  store.reset();
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    std::string version;
    ASSERT_TRUE(db->Get({}, families.at("default"), kFormatVersionKey, &version).ok());
    EXPECT_EQ(version, kFormatVersion);
  });
  EXPECT_EQ(Read(*Open(), up), (std::vector<Sample>{{kT0, 1}}));
}

TEST_F(SeriesStoreTest, AnUnknownFormatVersionIsRefusedClearly) {
  Open().reset();
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    ASSERT_TRUE(db->Put({}, families.at("default"), kFormatVersionKey, "99").ok());
  });
  StoreOptions options;
  options.path = dir_.path() + "/db";
  auto store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("version 99"), std::string::npos) << store.status();
}

// A database of format version 3 keeps the heads in the series_head family: the upgrade replays
// it, cuts the heads into chunks and drops the family, losing no sample.
TEST_F(SeriesStoreTest, AVersionThreeDatabaseWithHeadRecordsUpgradesLosingNoSample) {
  LabelSet a = Labels({{"__name__", "a"}});
  {
    auto store = Open();
    Add(*store, a, Scrapes(kT0, 130));  // A chunk of 120 written, 10 samples in the head.
    std::filesystem::copy(dir_.path() + "/db", dir_.path() + "/old",
                          std::filesystem::copy_options::recursive);
  }
  // What version 3 left: the head's samples in series_head records above the flush mark, no
  // series log.
  std::filesystem::remove_all(dir_.path() + "/old/series_wal");
  WithRawDatabase(
      [&](rocksdb::DB* db, const Families& families) {
        std::string mark;
        ASSERT_TRUE(db->Get({}, families.at("series_flushed"), StreamKey(a.Hash()), &mark).ok());
        uint64_t seq = GetBigEndian64(mark.data());
        rocksdb::ColumnFamilyHandle* head = nullptr;
        ASSERT_TRUE(db->CreateColumnFamily({}, "series_head", &head).ok());
        auto key = [&](uint64_t s) {
          std::string k(1, '\0');
          k.push_back(static_cast<char>(ShardOf(a.Hash())));
          PutBigEndian64(&k, s);
          return k;
        };
        std::vector<Sample> first = Scrapes(kT0, 130, 120), second = Scrapes(kT0, 140, 130);
        std::string r1, r2;
        AppendHeadRecord(a.Hash(), first, &r1);
        AppendHeadRecord(a.Hash(), second, &r2);
        ASSERT_TRUE(db->Put({}, head, key(seq), r1).ok());
        ASSERT_TRUE(db->Put({}, head, key(seq + 1), r2).ok());
        ASSERT_TRUE(db->Put({}, families.at("default"), kFormatVersionKey, "3").ok());
        db->DestroyColumnFamilyHandle(head);
      },
      "old");
  {
    auto store = Open(10 * 60 * 1000, "old");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(Read(*store, a), Scrapes(kT0, 140));
    Add(*store, a, Scrapes(kT0, 150, 140));
    std::filesystem::copy(dir_.path() + "/old", dir_.path() + "/old-crash",
                          std::filesystem::copy_options::recursive);
  }
  WithRawDatabase(
      [&](rocksdb::DB* db, const Families& families) {
        EXPECT_FALSE(families.contains("series_head"));
        std::string version;
        ASSERT_TRUE(db->Get({}, families.at("default"), kFormatVersionKey, &version).ok());
        EXPECT_EQ(version, kFormatVersion);
      },
      "old");
  EXPECT_EQ(Read(*Open(10 * 60 * 1000, "old"), a), Scrapes(kT0, 150));
  EXPECT_EQ(Read(*Open(10 * 60 * 1000, "old-crash"), a), Scrapes(kT0, 150));
}

// Samples are logged before the rest of their request reaches RocksDB: at replay, a record whose
// agent seq or commit marker RocksDB does not have belongs to a request that was never stored
// (nor acknowledged), and is dropped; series a record created are kept, and the samples of a
// record with nothing to check.
TEST_F(SeriesStoreTest, ReplayDropsTheSamplesOfRequestsRocksDbNeverStored) {
  LabelSet a = Labels({{"__name__", "a"}});
  LabelSet b = Labels({{"__name__", "b"}});
  {
    auto store = Open();
    AppendRequest request;
    request.agent_id = "agent-1";
    request.seq = 1;
    request.series.Add({a, {{kT0, 1}}});
    ASSERT_TRUE(store->Append(request).ok());
  }
  {
    // As a crash between the log's fsync and RocksDB's write leaves them.
    SeriesWalOptions options;
    options.dir = dir_.path() + "/db/series_wal";
    auto ok = [](std::string_view) { return absl::OkStatus(); };
    auto wal = SeriesWal::Open(options, ok, ok);
    ASSERT_TRUE(wal.ok()) << wal.status();
    uint64_t seq = uint64_t{1} << 40;
    auto log = [&](const LabelSet& labels, CommitCheck check, Sample sample, bool create) {
      std::string created, record, encoded = labels.Encode();
      if (create) AppendCreatedSeries(labels.Hash(), encoded, &created);
      BeginSamplesRecord(ShardOf(labels.Hash()), seq++, check, create ? 1 : 0, created, &record);
      AppendHeadRecord(labels.Hash(), std::vector<Sample>{sample}, &record);
      ASSERT_TRUE((*wal)->WaitDurable((*wal)->Enqueue(record)).ok());
    };
    log(a, {CommitCheck::kAgentSeq, "agent-1", 1}, {kT0 + 1, 2}, false);  // Stored: seq 1.
    log(a, {CommitCheck::kAgentSeq, "agent-1", 2}, {kT0 + 2, 3}, false);  // Never stored.
    log(a, {CommitCheck::kMarker, {}, 12345}, {kT0 + 3, 4}, false);       // No marker.
    log(b, {}, {kT0, 5}, true);                                           // Nothing to check.
  }
  auto expect = [&](Store& store) {
    EXPECT_EQ(Read(store, a), (std::vector<Sample>{{kT0, 1}, {kT0 + 1, 2}}));
    EXPECT_EQ(Read(store, b), (std::vector<Sample>{{kT0, 5}}));
    EXPECT_EQ(Select(store, {Eq("__name__", "b")}), std::vector<LabelSet>{b});
  };
  expect(*Open());
  expect(*Open());
}

// With small segments and checkpoints, old segments go while appends go on, and both a crash
// image (checkpoint + segments replayed) and a clean restart hold every sample once.
TEST_F(SeriesStoreTest, CheckpointsLetOldSegmentsGoAndKeepEverySample) {
  segment_bytes_ = 8 << 10;
  checkpoint_bytes_ = 32 << 10;
  constexpr int kSeries = 40, kRounds = 400;
  auto labels = [](int i) { return Labels({{"__name__", "m"}, {"i", std::to_string(i)}}); };
  auto store = Open();
  for (int round = 0; round < kRounds; ++round) {
    AppendRequest request;
    for (int i = 0; i < kSeries; ++i) {
      // Every fifth round a late sample, within the out-of-order window.
      int64_t ts = kT0 + round * 15000 - (round % 5 == 4 ? 7000 : 0);
      request.series.Add({labels(i), {{ts, double(round * i)}}});
    }
    auto r = store->Append(request);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->series.accepted, size_t{kSeries});
  }
  size_t checkpoints = 0, segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/db/series_wal")) {
    (e.path().filename().string().starts_with("checkpoint.") ? checkpoints : segments)++;
  }
  EXPECT_EQ(checkpoints, 1u);
  EXPECT_LT(segments, 10u) << "400 rounds of 40 samples fill far more 8 KiB segments";
  std::vector<std::vector<Sample>> expected(kSeries);
  for (int i = 0; i < kSeries; ++i) {
    for (int round = 0; round < kRounds; ++round) {
      expected[i].push_back({kT0 + round * 15000 - (round % 5 == 4 ? 7000 : 0), double(round * i)});
    }
  }
  auto check = [&](Store& s) {
    for (int i = 0; i < kSeries; ++i) ASSERT_EQ(Read(s, labels(i)), expected[i]) << i;
  };
  check(*OpenCrashImage());
  store.reset();
  check(*Open());
}

// A failed fsync of the series log fails the append (nothing acknowledged) and every later one;
// what was acknowledged before is kept.
TEST_F(SeriesStoreTest, AFailedLogSyncFailsTheAppend) {
  FaultyFs faulty;
  wal_fs_ = &faulty;
  LabelSet a = Labels({{"__name__", "a"}});
  {
    auto store = Open();
    Add(*store, a, {{kT0, 1}});
    faulty.fail_sync = true;
    AppendRequest request;
    request.series.Add({a, {{kT0 + 1, 2}}});
    auto r = store->Append(request);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("series log"), std::string::npos) << r.status();
    faulty.fail_sync = false;
    AppendRequest later;
    later.series.Add({a, {{kT0 + 2, 3}}});
    EXPECT_FALSE(store->Append(later).ok()) << "the log stays failed until a restart";
  }
  wal_fs_ = nullptr;
  auto store = Open();
  std::vector<Sample> got = Read(*store, a);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front(), (Sample{kT0, 1}));
}

}  // namespace
}  // namespace vigie::store
