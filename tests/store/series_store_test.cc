// The series side of RocksStore, on a real database in a temp dir: append through Append, read
// through SelectSeries and NewSeriesReader, across reopen, out-of-order, retention, collisions.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::store {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHour;
constexpr int64_t kT0 = 20000 * kDayMs;  // A day (and 2-hour window) boundary, in ms.

}  // namespace

void PrintTo(const Sample& s, std::ostream* os) {
  *os << s.ts_ms << ":" << s.value << "(0x" << std::hex << std::bit_cast<uint64_t>(s.value)
      << std::dec << ")";
}

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
  std::unique_ptr<Store> Open(int64_t ooo_window_ms = 10 * 60 * 1000) {
    StoreOptions options;
    options.path = dir_.path() + "/db";
    options.out_of_order_window_ms = ooo_window_ms;
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

  testing::TempDir dir_;
};

TEST_F(SeriesStoreTest, AppendThenSelectAndReadAcrossReopen) {
  LabelSet up = Labels({{"__name__", "up"}, {"job", "node"}, {"instance", "a:9100"}});
  LabelSet other = Labels({{"__name__", "up"}, {"job", "vigied"}});
  // 1000 samples: several chunks cut at 120, across a 2-hour window boundary.
  std::vector<Sample> samples = Scrapes(kT0 - kHour, 1000);
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
  }
  auto store = Open();
  // Every sample once: the closed chunks from series_chunks, the open ones from the head log.
  EXPECT_EQ(Read(*store, up), samples);
  EXPECT_EQ(Read(*store, other), (std::vector<Sample>{{kT0, 1}}));
  EXPECT_EQ(Read(*store, up, samples[10].ts_ms, samples[20].ts_ms),
            std::vector<Sample>(samples.begin() + 10, samples.begin() + 21));
  EXPECT_EQ(Select(*store, {Eq("job", "node")}), std::vector<LabelSet>{up});
  // Appending after the reopen continues the same series without repeats.
  Add(*store, up, {{samples.back().ts_ms + 15000, 7}});
  std::vector<Sample> all = samples;
  all.push_back({samples.back().ts_ms + 15000, 7});
  EXPECT_EQ(Read(*store, up), all);
  std::vector<Sample> unknown;
  EXPECT_TRUE(absl::IsNotFound(store->NewSeriesReader()->Samples(42, 0, 1, &unknown)));
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

}  // namespace
}  // namespace vigie::store
