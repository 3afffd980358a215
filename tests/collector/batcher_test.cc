#include "collector/batcher.h"

#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::collector {
namespace {

class CollectorBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = AgentState::Open(dir_.path() + "/state").value();
    spool_ = Spool::Open(
                 {dir_.path() + "/spool", 1 << 30, 8 << 20, false, state_->agent_id()}, 0,
                 [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_)
                 .value();
    stream_ = MakeWireLabels(LabelSet::Make({{"host", "h"}}).value());
  }

  // Reads back every spooled batch.
  std::vector<v1::PushRequest> Spooled() {
    std::vector<v1::PushRequest> out;
    uint64_t after = 0;
    while (auto next = spool_->Next(after)) {
      out.emplace_back().ParseFromString(next->request);
      after = next->seq;
    }
    return out;
  }

  vigie::testing::TempDir dir_;
  Metrics metrics_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<Spool> spool_;
  StreamRef stream_;
};

TEST_F(CollectorBatcherTest, ClosesBySize) {
  Batcher batcher({.max_bytes = 10000, .max_age = std::chrono::hours(1), .max_pending = 4},
                  state_.get(), spool_.get(), &metrics_);
  batcher.Start();
  for (int i = 0; i < 1000; ++i) batcher.Add(stream_, i + 1, std::string(90, 'x'), nullptr);
  batcher.Flush();
  auto batches = Spooled();
  ASSERT_GE(batches.size(), 9u);
  uint64_t total = 0, last_seq = 0;
  for (const auto& b : batches) {
    EXPECT_GT(b.seq(), last_seq);
    last_seq = b.seq();
    EXPECT_EQ(b.agent_id(), state_->agent_id());
    EXPECT_LE(b.ByteSizeLong(), 10000u);
    total += b.streams(0).entries_size();
  }
  EXPECT_EQ(total, 1000u);
}

TEST_F(CollectorBatcherTest, ClosesByAge) {
  Batcher batcher({.max_bytes = 1 << 20, .max_age = std::chrono::milliseconds(200)}, state_.get(),
                  spool_.get(), &metrics_);
  batcher.Start();
  batcher.Add(stream_, 1, "one", nullptr);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Spooled().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(Spooled().size(), 1u);
}

TEST_F(CollectorBatcherTest, KeepsTheLastCursorPerFile) {
  Batcher batcher({}, state_.get(), spool_.get(), &metrics_);
  batcher.Start();
  FileCursor a{{1, 1}, 10, {}, "/a", false}, b{{1, 2}, 5, {}, "/b", false};
  batcher.Add(stream_, 1, "a1", &a);
  a.offset = 20;
  batcher.Add(stream_, 2, "a2", &a);
  batcher.AddCursor(b);
  batcher.Flush();
  auto recovered = Spool::Open(
                       {dir_.path() + "/spool", 1 << 30, 8 << 20, false, "x"}, 0,
                       [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_)
                       .value()
                       ->RecoveredCursors();
  ASSERT_EQ(recovered.size(), 1u);
  ASSERT_EQ(recovered[0].second.size(), 2u);
  EXPECT_EQ(recovered[0].second[0].offset, 20u);
  EXPECT_EQ(recovered[0].second[1].path, "/b");
}

TEST_F(CollectorBatcherTest, BackPressureBlocksProducers) {
  Batcher batcher({.max_bytes = 2048, .max_age = std::chrono::hours(1), .max_pending = 2},
                  state_.get(), spool_.get(), &metrics_);
  std::atomic<int> added = 0;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      batcher.Add(stream_, i + 1, std::string(1000, 'y'), nullptr);
      ++added;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Not started: nothing drains, so the producer stops after max_pending closed batches.
  EXPECT_LT(added.load(), 10);
  batcher.Start();
  producer.join();
  batcher.Flush();
  uint64_t total = 0;
  for (const auto& b : Spooled()) total += b.streams(0).entries_size();
  EXPECT_EQ(total, 100u);
}

TEST_F(CollectorBatcherTest, FilesWaitForRoomInTheSpoolUntilClosed) {
  Batcher batcher({.max_bytes = 4096, .hold_back_bytes = 2000}, state_.get(), spool_.get(),
                  &metrics_);
  batcher.Start();
  FileCursor cursor{{1, 1}, 0, {}, "/a", false};
  batcher.Add(stream_, 1, "syslog has no cursor: never waits", nullptr);
  std::atomic<int> added = 0;
  std::thread file_input([&] {
    for (int i = 0; i < 100; ++i) {
      cursor.offset += 101;
      batcher.Add(stream_, i + 2, std::string(100, 'f'), &cursor);
      ++added;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LT(added.load(), 30);  // Held back near 2000 bytes.
  EXPECT_EQ(metrics_.file_reading_paused.Value(), 1);
  batcher.Close();  // As the collector stops: the waiting input returns.
  file_input.join();
  batcher.Stop();
}

// A unit of `n` samples of the gauge `name`, one series per sample.
MetricUnit Unit(const std::string& name, int n) {
  MetricUnit unit;
  for (int i = 0; i < n; ++i) {
    unit.samples.push_back(
        {MakeWireLabels(LabelSet::Make({{"__name__", name}, {"i", std::to_string(i)}}).value()),
         1000, 1.0 * i});
  }
  return unit;
}

// The number of samples of each spooled batch whose series are named `name`.
std::vector<int> SamplesOf(const std::vector<v1::PushRequest>& batches, const std::string& name) {
  std::vector<int> out;
  for (const auto& b : batches) {
    int n = 0;
    for (const auto& s : b.series()) {
      if (s.labels(0).value() == name) n += s.samples_size();
    }
    if (n > 0) out.push_back(n);
  }
  return out;
}

TEST_F(CollectorBatcherTest, NeverSplitsAMetricUnit) {
  Batcher batcher({.max_bytes = 1 << 20, .max_samples = 100, .max_age = std::chrono::hours(1)},
                  state_.get(), spool_.get(), &metrics_);
  batcher.Start();
  batcher.Add(stream_, 1, "a log line", nullptr);
  batcher.AddMetrics(Unit("first", 60));
  batcher.AddMetrics(Unit("second", 60));  // Does not fit beside the first: a new batch.
  batcher.AddMetrics(Unit("big", 250));    // Larger than a batch: a batch of its own.
  batcher.AddMetrics(Unit("last", 10));
  batcher.Flush();
  auto batches = Spooled();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].streams_size(), 1);  // Entries and samples share batches.
  EXPECT_EQ(SamplesOf(batches, "first"), std::vector<int>{60});
  EXPECT_EQ(SamplesOf(batches, "second"), std::vector<int>{60});
  EXPECT_EQ(SamplesOf(batches, "big"), std::vector<int>{250});
  EXPECT_EQ(batches[2].series_size(), 250);
  EXPECT_EQ(SamplesOf(batches, "last"), std::vector<int>{10});
}

TEST_F(CollectorBatcherTest, NeverSplitsAUnitBySize) {
  Batcher batcher({.max_bytes = 2000, .max_age = std::chrono::hours(1)}, state_.get(), spool_.get(),
                  &metrics_);
  batcher.Start();
  for (int i = 0; i < 20; ++i) batcher.AddMetrics(Unit("u" + std::to_string(i), 30));
  batcher.Flush();
  auto batches = Spooled();
  EXPECT_GE(batches.size(), 10u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(SamplesOf(batches, "u" + std::to_string(i)), std::vector<int>{30}) << i;
  }
}

TEST_F(CollectorBatcherTest, RefusesAUnitVigiedCannotStoreWhole) {
  Batcher batcher({.max_unit_samples = 100, .max_age = std::chrono::hours(1)}, state_.get(),
                  spool_.get(), &metrics_);
  batcher.Start();
  batcher.AddMetrics(Unit("too_big", 101));
  MetricUnit with_metadata = Unit("fits", 100);
  with_metadata.metadata = {{"fits", "gauge", "Fits.", ""}};
  batcher.AddMetrics(with_metadata);
  batcher.Flush();
  auto batches = Spooled();
  EXPECT_TRUE(SamplesOf(batches, "too_big").empty());
  EXPECT_EQ(SamplesOf(batches, "fits"), std::vector<int>{100});
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].metadata_size(), 1);
  EXPECT_EQ(batches[0].metadata(0).help(), "Fits.");
  EXPECT_EQ(metrics_.metric_units_refused.Value(), 1);
}

TEST_F(CollectorBatcherTest, FollowsTheSampleLimitVigiedNames) {
  Batcher batcher({.max_samples = 1000, .max_unit_samples = 1000, .max_age = std::chrono::hours(1)},
                  state_.get(), spool_.get(), &metrics_);
  batcher.Start();
  batcher.FollowServerLimit(100);
  batcher.AddMetrics(Unit("a", 60));
  batcher.AddMetrics(Unit("b", 60));  // 120 together: over vigied's 100, a batch each.
  batcher.AddMetrics(Unit("too_big", 101));
  batcher.FollowServerLimit(0);  // A vigied that names no limit: the configured ones again.
  batcher.AddMetrics(Unit("c", 101));
  batcher.FollowServerLimit(5000);  // Above the configured ones: those hold.
  batcher.AddMetrics(Unit("d", 1001));
  batcher.Flush();
  auto batches = Spooled();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(SamplesOf(batches, "a"), std::vector<int>{60});
  EXPECT_EQ(SamplesOf(batches, "b"), std::vector<int>{60});
  EXPECT_EQ(SamplesOf(batches, "c"), std::vector<int>{101});  // With b.
  EXPECT_TRUE(SamplesOf(batches, "too_big").empty());
  EXPECT_TRUE(SamplesOf(batches, "d").empty());
  EXPECT_EQ(metrics_.metric_units_refused.Value(), 2);
}

}  // namespace
}  // namespace vigie::collector
