// The fixture of the series store's tests (series_store_test.cc, series_log_test.cc): a real
// RocksStore in a temp dir, and helpers to append, read, select and open crash images.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rocksdb/db.h"
#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::store {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHour;
constexpr int64_t kT0 = 20000 * kDayMs;  // A day (and 2-hour window) boundary, in ms.

void PrintTo(const Sample& s, std::ostream* os);  // In chunk_test.cc.

inline LabelSet Labels(std::vector<Label> l) { return *LabelSet::Make(std::move(l)); }

inline SeriesMatcher Eq(std::string name, std::string value) {
  return {name, [value](std::string_view v) { return v == value; }, value};
}
inline SeriesMatcher Ne(std::string name, std::string value) {
  return {name, [value](std::string_view v) { return v != value; }, std::nullopt};
}
inline SeriesMatcher Where(std::string name, std::function<bool(std::string_view)> accept) {
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
    request.series.Add({labels, std::move(samples)});
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

}  // namespace vigie::store
