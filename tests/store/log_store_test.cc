#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/time.h"
#include "tests/integration/harness.h"

namespace vigie::store {
namespace {

constexpr int64_t kDay = 86400LL * kNanosPerSecond;
constexpr int64_t kT0 = 20000 * kDay;  // A day boundary.

LabelSet Labels(std::vector<Label> l) { return *LabelSet::Make(std::move(l)); }

std::unique_ptr<Store> OpenStore(const std::string& path, size_t target = 1 << 20) {
  StoreOptions options;
  options.path = path;
  options.target_block_bytes = target;
  auto store = Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

// Every entry of `stream` in `range`, in time order.
std::vector<LogEntry> ReadAll(const Store& store, const LabelSet& labels, TimeRange range = {}) {
  std::vector<LogEntry> out;
  auto reader = store.NewReader();
  for (const BlockInfo& info : reader->Blocks(labels.Hash(), range)) {
    DecodedBlock block;
    EXPECT_TRUE(reader->ReadBlock(info.key, &block).ok());
    for (size_t i = 0; i < block.size(); ++i) {
      if (block.ts(i) >= range.start_ns && block.ts(i) < range.end_ns) {
        out.push_back({block.ts(i), std::string(block.line(i))});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LogEntry& a, const LogEntry& b) { return a.ts_ns < b.ts_ns; });
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path() { return dir_.path() + "/db"; }
};

TEST_F(LogStoreTest, AppendThenReadAcrossReopen) {
  LabelSet api = Labels({{"service", "api"}});
  {
    auto store = OpenStore(path());
    AppendRequest req;
    req.streams.push_back(
        {api, {{kT0 + 2, "second"}, {kT0 + 1, "first"}, {kT0 + kDay, "next day"}}});
    auto r = store->Append(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->entries, 3u);
  }
  auto store = OpenStore(path());
  auto all = ReadAll(*store, api);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].line, "first");
  EXPECT_EQ(all[2].line, "next day");
  EXPECT_EQ(ReadAll(*store, api, {kT0 + 2, kT0 + kDay}).size(), 1u);
  EXPECT_EQ(store->LabelValues("service", {}), std::vector<std::string>{"api"});
}

TEST_F(LogStoreTest, ResentBatchIsNotStoredTwice) {
  auto store = OpenStore(path());
  LabelSet s = Labels({{"a", "b"}});
  AppendRequest req{"agent-1", 5, {{s, {{kT0, "x"}}}}};
  EXPECT_FALSE(store->Append(req)->duplicate);
  EXPECT_TRUE(store->Append(req)->duplicate);
  req.seq = 4;
  EXPECT_TRUE(store->Append(req)->duplicate);
  store.reset();
  store = OpenStore(path());
  req.seq = 5;
  EXPECT_TRUE(store->Append(req)->duplicate) << "applied seq must survive a restart";
  req.seq = 6;
  absl::StatusOr<AppendResult> again = store->Append(req);
  EXPECT_FALSE(again->duplicate);
  // A new seq with the same entry: accepted, and not stored twice (same timestamp and line).
  EXPECT_EQ(again->entries, 1u);
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(ReadAll(*store, s).size(), 1u);
  // Another agent's sequence is independent.
  EXPECT_FALSE(store->Append({"agent-2", 1, {{s, {{kT0, "y"}}}}})->duplicate);
}

// What an append reports: entries accepted, and of those, duplicates not written again.
std::pair<uint64_t, uint64_t> Counts(uint64_t entries, uint64_t duplicates) {
  return {entries, duplicates};
}

// Loki's rule: the same (timestamp, line) pushed twice to a stream is stored once, whether it
// comes twice in one batch, in a resent batch, after a restart, or from two senders at once;
// the same timestamp with another line is a different entry.
TEST_F(LogStoreTest, DuplicateEntriesAreStoredOnce) {
  LabelSet s = Labels({{"a", "b"}});
  const std::vector<LogEntry> batch = {{kT0 + 1, "a"}, {kT0 + 2, "b"},    {kT0 + 2, "c"},
                                       {kT0 + 2, "b"}, {kT0 + kDay, "d"}, {kT0 + 3, "e"}};
  auto append = [&](Store& store, std::vector<LogEntry> entries) {
    absl::StatusOr<AppendResult> r = store.Append({"", 0, {{s, std::move(entries)}}});
    EXPECT_TRUE(r.ok()) << r.status();
    return std::pair(r->entries, r->duplicates);
  };
  {
    auto store = OpenStore(path(), 1);  // A block per entry: dropping some re-plans them.
    EXPECT_EQ(append(*store, batch), Counts(6, 1));
    EXPECT_EQ(ReadAll(*store, s).size(), 5u);
    EXPECT_EQ(append(*store, batch), Counts(6, 6));
    EXPECT_EQ(append(*store, {{kT0 + 2, "c"}, {kT0 + 2, "f"}, {kT0 + 4, "g"}}), Counts(3, 1));
    EXPECT_EQ(ReadAll(*store, s).size(), 7u);
  }
  auto store = OpenStore(path(), 1);
  EXPECT_EQ(append(*store, batch), Counts(6, 6)) << "what is stored is known again after a restart";
  EXPECT_EQ(append(*store, {{kT0, "older"}, {kT0 + kDay, "d"}}), Counts(2, 1));
  std::vector<LogEntry> all = ReadAll(*store, s);
  std::vector<LogEntry> want = {{kT0, "older"}, {kT0 + 1, "a"}, {kT0 + 2, "b"}, {kT0 + 2, "c"},
                                {kT0 + 2, "f"}, {kT0 + 3, "e"}, {kT0 + 4, "g"}, {kT0 + kDay, "d"}};
  EXPECT_EQ(all, want);

  // Two senders pushing the same new batch at the same time: one copy.
  std::vector<LogEntry> fresh;
  for (int i = 0; i < 200; ++i) fresh.push_back({kT0 + 100 + i, "line " + std::to_string(i)});
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        EXPECT_TRUE(store->Append({"", 0, {{s, fresh}}}).ok());
      }
    });
  }
  for (std::thread& t : senders) t.join();
  EXPECT_EQ(ReadAll(*store, s).size(), want.size() + fresh.size());
}

// The ingest pipeline prepares an agent's next batch while the previous one commits: a prepared
// batch must not depend on the commits before it (new streams, partitions), and the request it
// came from may be gone.
TEST_F(LogStoreTest, BatchesPreparedAheadCommitInOrder) {
  auto store = OpenStore(path(), 64);
  LabelSet s = Labels({{"a", "b"}});
  PreparedAppend first, second;
  {
    AppendRequest one{"agent-1", 1, {{s, {{kT0, "first"}, {kT0 + kDay, "first, next day"}}}}};
    AppendRequest two{"agent-1", 2, {{s, {{kT0 + 1, std::string(100, 'x')}}}}};
    first = store->Prepare(one);
    second = store->Prepare(two);
  }
  auto r1 = store->Commit(std::move(first));
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->entries, 2u);
  auto r2 = store->Commit(std::move(second));
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_FALSE(r2->duplicate);
  auto all = ReadAll(*store, s);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].line, std::string(100, 'x'));
  EXPECT_EQ(
      store->StreamsWhere("a", [](std::string_view) { return true; }, {kT0 + kDay, kT0 + 2 * kDay})
          .size(),
      1u);
  // Committing an older batch after a newer one is a duplicate: the caller's order is the order.
  AppendRequest late{"agent-1", 2, {{s, {{kT0 + 2, "late"}}}}};
  EXPECT_TRUE(store->Commit(store->Prepare(late))->duplicate);
  EXPECT_EQ(ReadAll(*store, s).size(), 3u);
}

TEST_F(LogStoreTest, SelectorTouchesOnlyMatchingStreams) {
  auto store = OpenStore(path());
  AppendRequest req;
  for (int i = 0; i < 50; ++i) {
    req.streams.push_back(
        {Labels({{"host", "h" + std::to_string(i)}, {"job", i % 2 ? "odd" : "even"}}),
         {{kT0 + i, "line"}}});
  }
  ASSERT_TRUE(store->Append(req).ok());
  auto eq = [](std::string v) { return [v](std::string_view x) { return x == v; }; };
  EXPECT_EQ(store->StreamsWhere("host", eq("h7"), {}).size(), 1u);
  EXPECT_EQ(store->StreamsWhere("job", eq("odd"), {}).size(), 25u);
  EXPECT_EQ(store->StreamsWhere("nope", eq("x"), {}).size(), 0u);
  EXPECT_EQ(store->StreamsWhere("job", eq("odd"), {kT0 + kDay, kT0 + 2 * kDay}).size(), 0u);
  EXPECT_EQ(store->LabelNames({}), (std::vector<std::string>{"host", "job"}));
}

TEST_F(LogStoreTest, RetentionDropsWholePartitionsAndOrphanStreams) {
  auto store = OpenStore(path());
  LabelSet old_only = Labels({{"s", "old"}}), both = Labels({{"s", "both"}});
  ASSERT_TRUE(store
                  ->Append({"",
                            0,
                            {{old_only, {{kT0, "old"}}},
                             {both, {{kT0 + 1, "old"}, {kT0 + 3 * kDay, "new"}}}}})
                  .ok());
  auto dropped = store->DropPartitionsBefore(kT0 + 2 * kDay);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1);
  EXPECT_TRUE(ReadAll(*store, old_only).empty());
  ASSERT_EQ(ReadAll(*store, both).size(), 1u);
  EXPECT_EQ(ReadAll(*store, both)[0].line, "new");
  EXPECT_FALSE(store->StreamLabels(old_only.Hash()).has_value());
  store.reset();
  store = OpenStore(path());
  EXPECT_EQ(store->LabelValues("s", {}), std::vector<std::string>{"both"});
}

TEST_F(LogStoreTest, SmallBlocksAreMergedWithoutLoss) {
  auto store = OpenStore(path(), 4096);
  LabelSet s = Labels({{"a", "b"}});
  std::vector<LogEntry> expected;
  for (int batch = 0; batch < 40; ++batch) {
    AppendRequest req;
    req.streams.push_back({s, {}});
    for (int i = 0; i < 3; ++i) {
      // Interleaved times: batches overlap, so the merge must sort.
      LogEntry e{kT0 + i * 100 + batch, "b" + std::to_string(batch) + "i" + std::to_string(i)};
      req.streams[0].entries.push_back(e);
      expected.push_back(e);
    }
    ASSERT_TRUE(store->Append(req).ok());
  }
  size_t before = store->NewReader()->Blocks(s.Hash(), {}).size();
  auto merged = store->CompactSmallBlocks();
  ASSERT_TRUE(merged.ok());
  EXPECT_GT(*merged, 0);
  EXPECT_LT(store->NewReader()->Blocks(s.Hash(), {}).size(), before);
  std::stable_sort(expected.begin(), expected.end(),
                   [](const LogEntry& a, const LogEntry& b) { return a.ts_ns < b.ts_ns; });
  auto got = ReadAll(*store, s);
  ASSERT_EQ(got.size(), expected.size());
  std::multiset<std::string> a, b;
  for (auto& e : got) a.insert(std::to_string(e.ts_ns) + e.line);
  for (auto& e : expected) b.insert(std::to_string(e.ts_ns) + e.line);
  EXPECT_EQ(a, b);
}

// vigied reads blocks without RocksDB's CRC check: a byte damaged on disk must still be reported
// (by the block's own hash), never read as other lines.
TEST_F(LogStoreTest, DamagedBlobIsReportedNotRead) {
  LabelSet s = Labels({{"a", "b"}});
  {
    auto store = OpenStore(path());
    AppendRequest req;
    req.streams.push_back({s, {}});
    for (int i = 0; i < 20000; ++i) {
      req.streams[0].entries.push_back({kT0 + i, "line " + std::to_string(i * 7919 % 100003)});
    }
    ASSERT_TRUE(store->Append(req).ok());
  }  // A clean stop flushes the blocks into a blob file.
  std::string blob;
  for (const auto& f : std::filesystem::directory_iterator(path())) {
    if (f.path().extension() == ".blob") blob = f.path();
  }
  ASSERT_FALSE(blob.empty());
  {
    std::fstream file(blob, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = std::filesystem::file_size(blob);
    file.seekg(size / 2);
    char c = static_cast<char>(file.get());
    file.seekp(size / 2);
    file.put(static_cast<char>(c ^ 0x10));
  }
  auto store = OpenStore(path());
  auto reader = store->NewReader();
  std::vector<BlockInfo> blocks = reader->Blocks(s.Hash(), {});
  ASSERT_FALSE(blocks.empty());
  DecodedBlock block;
  absl::Status status = reader->ReadBlock(blocks[0].key, &block);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("orrupt"), std::string::npos) << status;
}

TEST_F(LogStoreTest, SecondOpenOfTheSameDirectoryFailsClearly) {
  auto store = OpenStore(path());
  StoreOptions options;
  options.path = path();
  auto second = Store::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another vigied"), std::string::npos) << second.status();
}

}  // namespace
}  // namespace vigie::store
