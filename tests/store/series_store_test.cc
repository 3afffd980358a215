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
#include "rocksdb/db.h"
#include "store/store.h"
#include "tests/store/series_store_fixture.h"

namespace vigie::store {
namespace {

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
  request.series.Add({a, second});
  request.series.Add({a, first});
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
          request.series.Add({labels(t, i), {{kT0 + round * 15000, double(round)}}});
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
          request.series.Add({series[j], {{kT0 + i * 15000, double(i * j % 1000)}}});
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
