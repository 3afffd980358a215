// The series side of RocksStore, on a real database in a temp dir: append through Append, read
// through SelectSeries and NewSeriesReader, across reopen, out-of-order, retention, collisions.
#include <gtest/gtest.h>

#include <malloc.h>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <thread>

#include "common/strings.h"
#include "common/varint.h"
#include "rocksdb/db.h"
#include "store/keys.h"
#include "store/series_format.h"
#include "store/series_head.h"
#include "store/series_wal.h"
#include "store/store.h"
#include "tests/integration/harness.h"
#include "tests/store/faulty_wal_fs.h"

namespace vigie::store {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHour;
constexpr int64_t kT0 = 20000 * kDayMs;  // A day (and 2-hour window) boundary, in ms.

}  // namespace

void PrintTo(const Sample& s, std::ostream* os);  // In chunk_test.cc.

namespace {

LabelSet Labels(std::vector<Label> l) { return *LabelSet::Make(std::move(l)); }

SeriesMatcher Eq(std::string name, std::string value) {
  return {name, [value](std::string_view v) { return v == value; }, value};
}
SeriesMatcher Ne(std::string name, std::string value) {
  return {name, [value](std::string_view v) { return v != value; }, std::nullopt};
}
SeriesMatcher Where(std::string name, std::function<bool(std::string_view)> accept) {
  return {std::move(name), std::move(accept), std::nullopt};
}

class SeriesStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(int64_t ooo_window_ms = 10 * 60 * 1000,
                              const std::string& name = "db") {
    StoreOptions options;
    options.path = dir_.path() + "/" + name;
    options.out_of_order_window_ms = ooo_window_ms;
    options.series_log_segment_bytes = segment_bytes_;
    options.series_log_checkpoint_bytes = checkpoint_bytes_;
    options.series_log_fs = wal_fs_;
    auto store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static SeriesAppendResult Add(Store& store, const LabelSet& labels, std::vector<Sample> samples) {
    AppendRequest request;
    request.series.push_back({labels, std::move(samples)});
    auto r = store.Append(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->series : SeriesAppendResult{};
  }

  static std::vector<Sample> Read(const Store& store, const LabelSet& labels,
                                  int64_t mint = std::numeric_limits<int64_t>::min(),
                                  int64_t maxt = std::numeric_limits<int64_t>::max()) {
    std::vector<Sample> out;
    absl::Status s = store.NewSeriesReader()->Samples(labels.Hash(), mint, maxt, &out);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  static std::vector<LabelSet> Select(const Store& store, std::vector<SeriesMatcher> matchers,
                                      int64_t mint = 0, int64_t maxt = kT0 + 100 * kDayMs) {
    std::vector<LabelSet> out;
    for (SeriesRef& ref : store.SelectSeries(matchers, mint, maxt)) {
      EXPECT_EQ(ref.id, ref.labels.Hash());
      out.push_back(std::move(ref.labels));
    }
    return out;
  }

  // Samples `from` to `to` - 1 of a scrape every 15 s from `start`: sample i at start + i * 15 s,
  // value i * 1.5.
  static std::vector<Sample> Scrapes(int64_t start, int to, int from = 0) {
    std::vector<Sample> out;
    for (int i = from; i < to; ++i) out.push_back({start + i * 15000, i * 1.5});
    return out;
  }

  // Opens a copy of the database files as they are while the store is open, as a crash (kill -9)
  // would leave them: every append is synced, the heads are only in the head log.
  std::unique_ptr<Store> OpenCrashImage() {
    std::filesystem::remove_all(dir_.path() + "/crash");
    std::filesystem::copy(dir_.path() + "/db", dir_.path() + "/crash",
                          std::filesystem::copy_options::recursive);
    return Open(10 * 60 * 1000, "crash");
  }

  using Families = std::map<std::string, rocksdb::ColumnFamilyHandle*>;
  // Runs `fn` on the store's database opened directly, to make states no Store call makes.
  void WithRawDatabase(const std::function<void(rocksdb::DB*, const Families&)>& fn,
                       const std::string& name = "db") {
    std::string path = dir_.path() + "/" + name;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names)
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, path, descriptors, &handles, &db).ok());
    Families families;
    for (size_t i = 0; i < names.size(); ++i) families[names[i]] = handles[i];
    fn(db, families);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }

  testing::TempDir dir_;
  // The series log's options for Open.
  uint64_t segment_bytes_ = StoreOptions().series_log_segment_bytes;
  uint64_t checkpoint_bytes_ = StoreOptions().series_log_checkpoint_bytes;
  WalFs* wal_fs_ = nullptr;
};

TEST_F(SeriesStoreTest, AppendThenSelectAndReadAcrossReopen) {
  LabelSet up = Labels({{"__name__", "up"}, {"job", "node"}, {"instance", "a:9100"}});
  LabelSet other = Labels({{"__name__", "up"}, {"job", "vigied"}});
  // 1000 samples: several chunks cut at 120, across a 2-hour window boundary.
  std::vector<Sample> samples = Scrapes(kT0 - kHour, 1000);
  // Every sample once, and appending continues the same series without repeats.
  auto check_reopened = [&](Store& store) {
    EXPECT_EQ(Read(store, up), samples);
    EXPECT_EQ(Read(store, other), (std::vector<Sample>{{kT0, 1}}));
    EXPECT_EQ(Read(store, up, samples[10].ts_ms, samples[20].ts_ms),
              std::vector<Sample>(samples.begin() + 10, samples.begin() + 21));
    EXPECT_EQ(Select(store, {Eq("job", "node")}), std::vector<LabelSet>{up});
    Add(store, up, {{samples.back().ts_ms + 15000, 7}});
    std::vector<Sample> all = samples;
    all.push_back({samples.back().ts_ms + 15000, 7});
    EXPECT_EQ(Read(store, up), all);
    std::vector<Sample> unknown;
    EXPECT_TRUE(absl::IsNotFound(store.NewSeriesReader()->Samples(42, 0, 1, &unknown)));
  };
  {
    auto store = Open();
    SeriesAppendResult r = Add(*store, up, samples);
    EXPECT_EQ(r.accepted, 1000u);
    EXPECT_TRUE(r.reason.empty()) << r.reason;
    Add(*store, other, {{kT0, 1}});
    EXPECT_EQ(Read(*store, up), samples);
    EXPECT_EQ(Select(*store, {Eq("job", "node")}), std::vector<LabelSet>{up});
    EXPECT_EQ(Select(*store, {Eq("__name__", "up")}), (std::vector<LabelSet>{up, other}));
    StoreStats stats = store->Stats();
    EXPECT_EQ(stats.series, 2u);
    EXPECT_EQ(stats.head_series, 2u);
    EXPECT_GT(stats.head_bytes, 0u);
    // After a crash: the closed chunks from series_chunks, the open ones from the head log.
    auto crashed = OpenCrashImage();
    EXPECT_EQ(crashed->Stats().head_series, 2u);
    check_reopened(*crashed);
  }
  // A clean stop cuts the heads into chunks and leaves the series log empty.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() + "/db/series_wal"))
      << "the series log is not empty after a clean stop";
  auto store = Open();
  EXPECT_EQ(store->Stats().head_series, 0u);
  check_reopened(*store);
}

// ForEachSamples reads many series in one pass over each partition's chunks: each gets exactly
// what Samples gives it, whether its chunks are next to the previous series' or far from them,
// in one partition or two, closed or still in the head, before and after a reopen.
TEST_F(SeriesStoreTest, ForEachSamplesGivesEachSeriesWhatSamplesGives) {
  std::vector<SeriesId> ids;
  std::vector<std::vector<Sample>> expected;
  auto check = [&](const Store& store, int64_t mint, int64_t maxt) {
    std::vector<SeriesId> asked;
    std::vector<size_t> index;  // Every third series, and an unknown one, in no order.
    for (size_t i = ids.size(); i-- > 0;) {
      if (i % 3 == 0) asked.push_back(ids[i]), index.push_back(i);
    }
    asked.insert(asked.begin() + 5, 42);
    index.insert(index.begin() + 5, SIZE_MAX);
    std::map<size_t, std::vector<Sample>> got;
    absl::Status s = store.NewSeriesReader()->ForEachSamples(
        asked, mint, maxt, [&](size_t k, std::span<const Sample> samples) {
          EXPECT_FALSE(got.contains(k)) << "visited twice: " << k;
          got[k] = {samples.begin(), samples.end()};
          return absl::OkStatus();
        });
    ASSERT_TRUE(s.ok()) << s;
    for (size_t k = 0; k < asked.size(); ++k) {
      std::vector<Sample> want;
      if (index[k] != SIZE_MAX) {
        for (const Sample& x : expected[index[k]]) {
          if (x.ts_ms >= mint && x.ts_ms <= maxt) want.push_back(x);
        }
      }
      if (want.empty()) {
        EXPECT_FALSE(got.contains(k)) << "series " << k << " has no samples but was visited";
      } else {
        EXPECT_EQ(got[k], want) << "series " << k;
      }
    }
  };
  {
    auto store = Open();
    for (int i = 0; i < 90; ++i) {
      LabelSet labels = Labels({{"__name__", "m"}, {"i", StrCat(i)}});
      // Some series cross the day (partition) boundary, some stay in one day; 300 samples are
      // chunks cut at 120 and a head.
      std::vector<Sample> samples = Scrapes(kT0 - (i % 2 ? kHour : -kHour), 300);
      for (Sample& x : samples) x.value = i * 1000 + x.value;
      Add(*store, labels, samples);
      ids.push_back(labels.Hash());
      expected.push_back(std::move(samples));
    }
    check(*store, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    check(*store, kT0 - 10 * 60 * 1000, kT0 + 30 * 60 * 1000);
  }
  auto store = Open();
  check(*store, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  check(*store, kT0 + 20 * 60 * 1000, kT0 + 90 * 60 * 1000);
}

// SelectSeries sorts by labels as LabelSet's operator< does: name by name, a prefix first.
TEST_F(SeriesStoreTest, SelectSeriesSortsByLabels) {
  auto store = Open();
  std::vector<LabelSet> sets = {
      Labels({{"__name__", "m"}, {"a", "x"}}),
      Labels({{"__name__", "m"}, {"a", "x"}, {"b", "y"}}),
      Labels({{"__name__", "m"}, {"a", "xy"}}),
      Labels({{"__name__", "m"}, {"ab", "x"}}),
      Labels({{"__name__", "m"}, {"b", "a"}}),
      Labels({{"__name__", "m2"}, {"a", "x"}}),
      Labels({{"__name__", "m"}, {"a", std::string(200, 'z')}}),
  };
  for (const LabelSet& l : sets) Add(*store, l, {{kT0, 1}});
  std::sort(sets.begin(), sets.end());
  EXPECT_EQ(Select(*store, {Where("__name__", [](std::string_view v) { return !v.empty(); })}),
            sets);
}

TEST_F(SeriesStoreTest, ReopenAgainAndAgainKeepsEverySampleOnce) {
  LabelSet a = Labels({{"__name__", "a"}});
  std::vector<Sample> expected;
  for (int round = 0; round < 5; ++round) {
    auto store = Open();
    std::vector<Sample> batch = Scrapes(kT0 + round * 70 * 15000, 70);
    Add(*store, a, batch);
    expected.insert(expected.end(), batch.begin(), batch.end());
    EXPECT_EQ(Read(*store, a), expected) << "round " << round;
  }
  EXPECT_EQ(Read(*Open(), a), expected);
}

TEST_F(SeriesStoreTest, BitExactValues) {
  LabelSet a = Labels({{"__name__", "a"}});
  std::vector<Sample> samples = {{kT0, StaleNaN()},
                                 {kT0 + 1, std::numeric_limits<double>::infinity()},
                                 {kT0 + 2, -std::numeric_limits<double>::infinity()},
                                 {kT0 + 3, std::nan("")},
                                 {kT0 + 4, -0.0},
                                 {kT0 + 5, std::bit_cast<double>(uint64_t{0x7ff8dead0000beef})}};
  {
    auto store = Open();
    Add(*store, a, samples);
    std::vector<Sample> got = Read(*store, a);
    EXPECT_EQ(got, samples);
    EXPECT_TRUE(IsStaleNaN(got[0].value));
  }
  EXPECT_EQ(Read(*Open(), a), samples);
}

TEST_F(SeriesStoreTest, OutOfOrderWindowDuplicatesAndConflicts) {
  LabelSet a = Labels({{"__name__", "a"}});
  auto store = Open(/*ooo_window_ms=*/10 * 60 * 1000);
  Add(*store, a, Scrapes(kT0, 200));  // One chunk cut, 80 samples in the open one.
  int64_t newest = kT0 + 199 * 15000;
  SeriesAppendResult r = Add(*store, a,
                             {{newest - 10 * 60 * 1000 - 1, 1},      // Beyond the window.
                              {newest - 7, 2},                       // Within it.
                              {newest - 10 * 60 * 1000, 159 * 1.5},  // At its edge: stored.
                              {newest, 199 * 1.5},                   // Duplicate of the newest.
                              {kT0 + 190 * 15000, 190 * 1.5},        // Duplicate in the open chunk.
                              {kT0 + 190 * 15000, 5}});              // Conflict there.
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(r.conflicts, 1u);
  EXPECT_EQ(r.duplicates, 3u);
  EXPECT_EQ(r.accepted, 4u);
  EXPECT_NE(r.reason.find("out-of-order window"), std::string::npos) << r.reason;
  std::vector<Sample> expected = Scrapes(kT0, 200);
  expected.push_back({newest - 7, 2});
  auto earlier = [](const Sample& x, const Sample& y) { return x.ts_ms < y.ts_ms; };
  std::stable_sort(expected.begin(), expected.end(), earlier);
  EXPECT_EQ(Read(*store, a), expected);
  // A duplicate and a conflict of a sample already cut into a stored chunk, after a restart.
  store.reset();
  store = Open();
  r = Add(*store, a, {{newest - 9 * 60 * 1000 + 1, 0}});  // New, within the window.
  EXPECT_EQ(r.accepted, 1u);
  expected.push_back({newest - 9 * 60 * 1000 + 1, 0});
  std::stable_sort(expected.begin(), expected.end(), earlier);
  EXPECT_EQ(Read(*store, a), expected);
  // Fill the head past two more cuts so that the out-of-order samples reach the chunks too.
  Add(*store, a, Scrapes(newest + 15000, 300));
  r = Add(*store, a, {{newest - 7, 2}, {newest - 7, 3}});
  EXPECT_EQ(r.duplicates, 0u) << "beyond the window now: refused as out of order";
  EXPECT_EQ(r.out_of_order, 2u);
  std::vector<Sample> more = Scrapes(newest + 15000, 300);
  expected.insert(expected.end(), more.begin(), more.end());
  EXPECT_EQ(Read(*store, a), expected);
  store.reset();
  EXPECT_EQ(Read(*Open(), a), expected);
}

TEST_F(SeriesStoreTest, ConflictAndDuplicateAgainstStoredChunk) {
  LabelSet a = Labels({{"__name__", "a"}});
  auto store = Open(/*ooo_window_ms=*/3 * kHour);
  Add(*store, a, Scrapes(kT0, 130));  // The first 120 are cut into a chunk.
  store.reset();
  store = Open(3 * kHour);
  SeriesAppendResult r = Add(*store, a, {{kT0 + 15000, 1.5}, {kT0 + 30000, 99}});
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.conflicts, 1u);
  EXPECT_EQ(Read(*store, a), Scrapes(kT0, 130));
}

TEST_F(SeriesStoreTest, SameSeriesTwiceInOneRequestAndUnsortedSamples) {
  LabelSet a = Labels({{"__name__", "a"}});
  auto store = Open();
  AppendRequest request;
  std::vector<Sample> first = Scrapes(kT0, 100), second = Scrapes(kT0, 200, 100);
  std::reverse(second.begin(), second.end());
  request.series.push_back({a, second});
  request.series.push_back({a, first});
  auto r = store->Append(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->series.accepted, 200u);
  std::vector<Sample> expected = Scrapes(kT0, 200);
  EXPECT_EQ(Read(*store, a), expected);
  store.reset();
  EXPECT_EQ(Read(*Open(), a), expected);
}

TEST_F(SeriesStoreTest, MatchersUsePostingsSemantics) {
  auto store = Open();
  std::vector<LabelSet> all;
  for (std::string mode : {"idle", "user", "system"}) {
    for (std::string cpu : {"0", "1"}) {
      all.push_back(Labels({{"__name__", "node_cpu_seconds_total"}, {"cpu", cpu}, {"mode", mode}}));
    }
  }
  all.push_back(Labels({{"__name__", "node_load1"}}));
  for (const LabelSet& l : all) Add(*store, l, {{kT0, 1}});
  auto count = [&](std::vector<SeriesMatcher> m) { return Select(*store, std::move(m)).size(); };
  EXPECT_EQ(count({Eq("__name__", "node_cpu_seconds_total")}), 6u);
  EXPECT_EQ(count({Eq("__name__", "node_cpu_seconds_total"), Eq("cpu", "1")}), 3u);
  EXPECT_EQ(count({Eq("__name__", "node_cpu_seconds_total"), Ne("mode", "idle")}), 4u);
  // `cpu!="0"` selects the series without `cpu` too, as in Prometheus.
  EXPECT_EQ(count({Ne("cpu", "0")}), 4u);
  EXPECT_EQ(
      count({Where("mode", [](std::string_view v) { return v.starts_with("s") || v == "user"; })}),
      4u);
  // `cpu=~".*"` accepts "": every series; `cpu=~".+"` only those with the label.
  EXPECT_EQ(
      count({Eq("__name__", "node_load1"), Where("cpu", [](std::string_view) { return true; })}),
      1u);
  EXPECT_EQ(count({Where("cpu", [](std::string_view v) { return !v.empty(); })}), 6u);
  EXPECT_EQ(count({Eq("cpu", "7")}), 0u);
  EXPECT_EQ(count({Eq("nope", "x")}), 0u);
  // Outside every partition holding data: nothing.
  EXPECT_EQ(Select(*store, {Eq("cpu", "0")}, kT0 + 3 * kDayMs, kT0 + 4 * kDayMs).size(), 0u);
  EXPECT_EQ(store->SeriesLabelNames({}, 0, kT0 + kDayMs),
            (std::vector<std::string>{"__name__", "cpu", "mode"}));
  std::vector<SeriesMatcher> load = {Eq("__name__", "node_load1")};
  EXPECT_EQ(store->SeriesLabelNames(load, 0, kT0 + kDayMs), std::vector<std::string>{"__name__"});
  EXPECT_EQ(store->SeriesLabelValues("mode", {}, 0, kT0 + kDayMs),
            (std::vector<std::string>{"idle", "system", "user"}));
  std::vector<SeriesMatcher> cpu1 = {Eq("cpu", "1"), Ne("mode", "user")};
  EXPECT_EQ(store->SeriesLabelValues("mode", cpu1, 0, kT0 + kDayMs),
            (std::vector<std::string>{"idle", "system"}));
}

TEST_F(SeriesStoreTest, RetentionDropsOldChunksAndSeriesLeftWithoutData) {
  LabelSet old_only = Labels({{"__name__", "old"}});
  LabelSet both = Labels({{"__name__", "both"}});
  {
    auto store = Open();
    Add(*store, old_only, Scrapes(kT0, 300));
    Add(*store, both, Scrapes(kT0, 300));
    Add(*store, both, Scrapes(kT0 + kDayMs, 10));
    auto dropped = store->DropPartitionsBefore((kT0 + kDayMs) * 1'000'000);
    ASSERT_TRUE(dropped.ok()) << dropped.status();
    EXPECT_EQ(*dropped, 1);
    EXPECT_EQ(Select(*store, {Where("__name__", [](std::string_view v) { return !v.empty(); })}),
              std::vector<LabelSet>{both});
    EXPECT_EQ(Read(*store, both), Scrapes(kT0 + kDayMs, 10));
    EXPECT_EQ(store->Stats().series, 1u);
  }
  auto store = Open();
  EXPECT_EQ(store->Stats().series, 1u);
  EXPECT_EQ(Read(*store, both), Scrapes(kT0 + kDayMs, 10));
  std::vector<Sample> none;
  EXPECT_TRUE(
      absl::IsNotFound(store->NewSeriesReader()->Samples(old_only.Hash(), 0, kT0 * 2, &none)));
  // The dropped series comes back as new, without its old samples.
  Add(*store, old_only, {{kT0 + 2 * kDayMs, 1}});
  EXPECT_EQ(Read(*store, old_only), (std::vector<Sample>{{kT0 + 2 * kDayMs, 1}}));
  store.reset();
  EXPECT_EQ(Read(*Open(), old_only), (std::vector<Sample>{{kT0 + 2 * kDayMs, 1}}));
}

TEST_F(SeriesStoreTest, IdleHeadsAreClosedAndTheHeadLogTrimmed) {
  auto store = Open();
  LabelSet idle = Labels({{"__name__", "idle"}});
  LabelSet busy = Labels({{"__name__", "busy"}});
  Add(*store, idle, Scrapes(kT0, 10));
  // Three hours of the other series: past the idle one's window and the out-of-order window.
  for (int i = 0; i < 3 * 240; i += 20) Add(*store, busy, Scrapes(kT0, i + 20, i));
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.series, 2u);
  EXPECT_EQ(stats.head_series, 1u) << "the idle series' chunk was closed";
  store.reset();
  store = Open();
  EXPECT_EQ(Read(*store, idle), Scrapes(kT0, 10));
  EXPECT_EQ(Read(*store, busy), Scrapes(kT0, 3 * 240));
}

TEST_F(SeriesStoreTest, SeriesIdCollisionIsRefusedAndCounted) {
  LabelSet a = Labels({{"__name__", "a"}});
  LabelSet b = Labels({{"__name__", "b"}});
  { Add(*Open(), a, {{kT0, 1}}); }
  // What a hash collision would leave: b's id taken by another label set.
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    ASSERT_TRUE(db->Put({}, families.at("series"), StreamKey(b.Hash()),
                        Labels({{"__name__", "c"}}).Encode())
                    .ok());
  });
  auto store = Open();
  SeriesAppendResult r = Add(*store, b, {{kT0, 2}, {kT0 + 1, 3}});
  EXPECT_EQ(r.collisions, 2u);
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_NE(r.reason.find("collides"), std::string::npos) << r.reason;
  EXPECT_EQ(Add(*store, a, {{kT0 + 1, 2}}).accepted, 1u);
  EXPECT_EQ(Read(*store, a), (std::vector<Sample>{{kT0, 1}, {kT0 + 1, 2}}));
}

TEST_F(SeriesStoreTest, ConcurrentAppendersAndReaders) {
  auto store = Open();
  constexpr int kSeriesPerThread = 50, kRounds = 300;
  auto labels = [](int thread, int i) {
    return Labels({{"__name__", "m"}, {"t", std::to_string(thread)}, {"i", std::to_string(i)}});
  };
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      for (const SeriesRef& ref :
           store->SelectSeries(std::vector{Eq("__name__", "m")}, 0, kT0 * 2)) {
        std::vector<Sample> samples;
        ASSERT_TRUE(store->NewSeriesReader()->Samples(ref.id, 0, kT0 * 2, &samples).ok());
        for (size_t j = 1; j < samples.size(); ++j)
          ASSERT_LT(samples[j - 1].ts_ms, samples[j].ts_ms);
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        AppendRequest request;
        for (int i = 0; i < kSeriesPerThread; ++i) {
          request.series.push_back({labels(t, i), {{kT0 + round * 15000, double(round)}}});
        }
        auto r = store->Append(request);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->series.accepted, size_t{kSeriesPerThread});
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  store.reset();
  store = Open();
  for (int t = 0; t < 2; ++t) {
    for (int i = 0; i < kSeriesPerThread; ++i) {
      std::vector<Sample> samples = Read(*store, labels(t, i));
      ASSERT_EQ(samples.size(), size_t{kRounds});
      for (int round = 0; round < kRounds; ++round) {
        ASSERT_EQ(samples[round], (Sample{kT0 + round * 15000, double(round)}));
      }
    }
  }
}

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
    EXPECT_EQ(version, "4");
  });
  EXPECT_EQ(Read(*Open(), up), (std::vector<Sample>{{kT0, 1}}));
}

TEST_F(SeriesStoreTest, AnUnknownFormatVersionIsRefusedClearly) {
  Open().reset();
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    ASSERT_TRUE(db->Put({}, families.at("default"), kFormatVersionKey, "5").ok());
  });
  StoreOptions options;
  options.path = dir_.path() + "/db";
  auto store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("version 5"), std::string::npos) << store.status();
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
        EXPECT_EQ(version, "4");
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
    request.series.push_back({a, {{kT0, 1}}});
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
      request.series.push_back({labels(i), {{ts, double(round * i)}}});
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
    request.series.push_back({a, {{kT0 + 1, 2}}});
    auto r = store->Append(request);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("series log"), std::string::npos) << r.status();
    faulty.fail_sync = false;
    request.series[0].samples = {{kT0 + 2, 3}};
    EXPECT_FALSE(store->Append(request).ok()) << "the log stays failed until a restart";
  }
  wal_fs_ = nullptr;
  auto store = Open();
  std::vector<Sample> got = Read(*store, a);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front(), (Sample{kT0, 1}));
}

// node_exporter-like label sets: 200 series per host.
std::vector<LabelSet> NodeExporterSeries(int hosts) {
  std::vector<LabelSet> out;
  for (int h = 0; h < hosts; ++h) {
    std::string instance = StrCat("host-", h, ".example.net:9100");
    auto add = [&](std::string name, std::vector<Label> more) {
      more.push_back({"__name__", std::move(name)});
      more.push_back({"instance", instance});
      more.push_back({"job", "node"});
      out.push_back(*LabelSet::Make(std::move(more)));
    };
    for (int cpu = 0; cpu < 8; ++cpu) {
      for (std::string mode :
           {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}) {
        add("node_cpu_seconds_total", {{"cpu", std::to_string(cpu)}, {"mode", mode}});
      }
    }
    for (int d = 0; d < 4; ++d) {
      for (int m = 0; m < 10; ++m) {
        add(StrCat("node_network_metric_", m, "_total"), {{"device", StrCat("eth", d)}});
      }
    }
    for (int d = 0; d < 5; ++d) {
      for (int m = 0; m < 6; ++m) {
        add(StrCat("node_filesystem_metric_", m, "_bytes"),
            {{"device", StrCat("/dev/sda", d)},
             {"fstype", "ext4"},
             {"mountpoint", StrCat("/mnt/disk", d)}});
      }
    }
    for (int m = 0; m < 66; ++m) add(StrCat("node_memory_metric_", m, "_bytes"), {});
  }
  return out;
}

// Memory per active series, with half-full open chunks (60 samples at 15 s), measured as the heap
// the store holds after a restart from a crash rebuilt the index and the heads from disk. Also
// prints the ingest rate of this single-threaded loop, for orientation (not asserted: a shared
// machine).
TEST_F(SeriesStoreTest, MemoryPerActiveSeriesIsBounded) {
  std::vector<LabelSet> series = NodeExporterSeries(500);
  ASSERT_EQ(series.size(), 100000u);
  constexpr int kSamples = 60;
  std::unique_ptr<Store> store;
  double heap_per_series = 0;
  {
    auto live = Open();
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kSamples; ++i) {
      for (size_t first = 0; first < series.size(); first += 10000) {
        AppendRequest request;
        for (size_t j = first; j < first + 10000; ++j) {
          request.series.push_back({series[j], {{kT0 + i * 15000, double(i * j % 1000)}}});
        }
        auto r = live->Append(request);
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_EQ(r->series.accepted, 10000u) << r->series.reason;
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("ingest: %.0f samples/s (one thread, requests of 10000 samples)\n",
                series.size() * kSamples / seconds);
    size_t before = mallinfo2().uordblks;
    store = OpenCrashImage();
    size_t after = mallinfo2().uordblks;
    heap_per_series = double(after - before) / series.size();
  }
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.series, series.size());
  EXPECT_EQ(stats.head_series, series.size());
  double estimate_per_series = double(stats.head_bytes) / series.size();
  std::printf(
      "memory per active series: %.0f bytes of heap after reopen (RocksDB's caches "
      "included), %.0f bytes by StoreStats::head_bytes\n",
      heap_per_series, estimate_per_series);
  EXPECT_LE(heap_per_series, 1024);
  EXPECT_LE(estimate_per_series, 1024);
  EXPECT_EQ(Read(*store, series[12345]).size(), size_t{kSamples});
}

}  // namespace
}  // namespace vigie::store
