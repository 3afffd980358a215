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
    stream_ = MakeStream(LabelSet::Make({{"host", "h"}}).value());
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

}  // namespace
}  // namespace vigie::collector
