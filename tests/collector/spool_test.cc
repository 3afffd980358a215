#include "collector/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace vigie::collector {
namespace {

namespace fs = std::filesystem;

struct Resolved {
  uint64_t seq;
  std::vector<FileCursor> cursors;
  bool dropped;
};

class CollectorSpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> Open(uint64_t resolved_through = 0) {
    Spool::Options options{dir_.path() + "/spool", max_bytes_, segment_bytes_, false, "agent"};
    auto spool = Spool::Open(
        options, resolved_through,
        [this](uint64_t seq, const std::vector<FileCursor>& cursors, bool dropped) {
          resolved_.push_back({seq, cursors, dropped});
        },
        &metrics_);
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? *std::move(spool) : nullptr;
  }

  static SpoolBatch Batch(uint64_t seq, size_t bytes = 100, uint64_t offset = 0) {
    SpoolBatch b{seq, 1, std::string(bytes, static_cast<char>('a' + seq % 26)), {}};
    if (offset) b.cursors.push_back(FileCursor{{1, 2}, offset, {4, 99}, "/x.log", false});
    return b;
  }

  static void Append(Spool* spool, std::vector<SpoolBatch> batches) {
    ASSERT_TRUE(spool->Append(&batches).ok());
    ASSERT_TRUE(batches.empty());
  }

  vigie::testing::TempDir dir_;
  Metrics metrics_;
  uint64_t max_bytes_ = 1 << 20;
  uint64_t segment_bytes_ = 4096;
  std::vector<Resolved> resolved_;
};

TEST_F(CollectorSpoolTest, SendsInOrderAndResolvesOnAck) {
  auto spool = Open();
  Append(spool.get(), {Batch(1), Batch(2, 100, 500), Batch(5)});
  auto first = spool->Next(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(first->request, std::string(100, 'b'));
  EXPECT_EQ(spool->Next(1)->seq, 2u);
  EXPECT_EQ(spool->Next(2)->seq, 5u);
  EXPECT_FALSE(spool->Next(5));
  spool->Acknowledge(2);
  ASSERT_EQ(resolved_.size(), 2u);
  EXPECT_EQ(resolved_[1].seq, 2u);
  ASSERT_EQ(resolved_[1].cursors.size(), 1u);
  EXPECT_EQ(resolved_[1].cursors[0].offset, 500u);
  EXPECT_FALSE(resolved_[1].dropped);
  EXPECT_EQ(spool->FirstUnresolved(), 5u);
  EXPECT_EQ(spool->Next(0)->seq, 5u);  // Resent from the oldest unacknowledged.
}

TEST_F(CollectorSpoolTest, ReopenFindsWhatWasNotAcknowledged) {
  {
    auto spool = Open();
    Append(spool.get(), {Batch(1, 100, 10), Batch(2, 100, 20), Batch(3, 100, 30)});
    spool->Acknowledge(1);
  }
  auto spool = Open(/*resolved_through=*/1);
  auto pending = spool->RecoveredCursors();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].first, 2u);
  EXPECT_EQ(pending[1].second[0].offset, 30u);
  EXPECT_EQ(spool->Next(0)->seq, 2u);
}

TEST_F(CollectorSpoolTest, CutsATornRecordAtTheEnd) {
  {
    auto spool = Open();
    Append(spool.get(), {Batch(1), Batch(2)});
  }
  fs::path segment = *fs::directory_iterator(dir_.path() + "/spool");
  fs::resize_file(segment, fs::file_size(segment) - 5);  // A write cut short by a crash.
  auto spool = Open();
  EXPECT_EQ(spool->RecoveredCursors().size(), 1u);
  EXPECT_EQ(spool->Next(0)->seq, 1u);
  EXPECT_FALSE(spool->Next(1));
  Append(spool.get(), {Batch(3)});  // Appends continue on a record boundary.
  spool.reset();
  spool = Open();
  EXPECT_EQ(spool->Next(1)->seq, 3u);
}

TEST_F(CollectorSpoolTest, ReleasesSegmentsOnceCheckpointed) {
  auto spool = Open();
  for (uint64_t seq = 1; seq <= 100; ++seq) Append(spool.get(), {Batch(seq, 1000)});
  size_t before = std::distance(fs::directory_iterator(dir_.path() + "/spool"), {});
  EXPECT_GT(before, 10u);
  spool->Acknowledge(100);
  spool->Release(50);  // Checkpoints saved through 50 only.
  size_t middle = std::distance(fs::directory_iterator(dir_.path() + "/spool"), {});
  EXPECT_LT(middle, before);
  EXPECT_GT(middle, 1u);
  spool->Release(100);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path() + "/spool"), {}), 1);
}

TEST_F(CollectorSpoolTest, DropsTheOldestWhenFullAndCountsThem) {
  max_bytes_ = 20000;
  auto spool = Open();
  for (uint64_t seq = 1; seq <= 100; ++seq) Append(spool.get(), {Batch(seq, 1000, seq * 10)});
  EXPECT_LE(spool->Bytes(), max_bytes_);
  ASSERT_FALSE(resolved_.empty());
  EXPECT_TRUE(resolved_[0].dropped);
  EXPECT_EQ(resolved_[0].seq, 1u);
  for (size_t i = 1; i < resolved_.size(); ++i)
    EXPECT_EQ(resolved_[i].seq, resolved_[i - 1].seq + 1);
  EXPECT_EQ(metrics_.spool_dropped_batches.Value(), static_cast<double>(resolved_.size()));
  EXPECT_EQ(spool->FirstUnresolved(), resolved_.back().seq + 1);
  EXPECT_EQ(spool->Next(0)->seq, resolved_.back().seq + 1);
}

TEST_F(CollectorSpoolTest, CorruptRecordIsSentEmptySoItsCursorsStillAdvance) {
  auto spool = Open();
  Append(spool.get(), {Batch(1, 1000, 10)});
  fs::path segment = *fs::directory_iterator(dir_.path() + "/spool");
  int fd = open(segment.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(fd, "XXXX", 4, 500), 4);  // Bit rot in the page cache copy.
  close(fd);
  auto out = spool->Next(0);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->seq, 1u);
  EXPECT_LT(out->request.size(), 20u);  // An empty PushRequest for seq 1.
  EXPECT_EQ(metrics_.spool_dropped_entries.Value(), 1);
}

}  // namespace
}  // namespace vigie::collector
