#include "collector/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "collector/push_builder.h"
#include "common/varint.h"
#include "tests/integration/harness.h"
#include "xxhash.h"

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

  // A batch of one entry and two samples (as counted: the request is filler).
  static SpoolBatch Batch(uint64_t seq, size_t bytes = 100, uint64_t offset = 0) {
    SpoolBatch b{seq, 1, 2, std::string(bytes, static_cast<char>('a' + seq % 26)), {}};
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
  EXPECT_EQ(metrics_.spool_dropped_entries.Value(), static_cast<double>(resolved_.size()));
  EXPECT_EQ(metrics_.spool_dropped_samples.Value(), 2.0 * static_cast<double>(resolved_.size()));
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
  EXPECT_EQ(metrics_.spool_dropped_samples.Value(), 2);
}

TEST_F(CollectorSpoolTest, MergesNoMoreSamplesThanVigiedStoresInARequest) {
  auto spool = Open();
  Append(spool.get(), {Batch(1), Batch(2), Batch(3), Batch(4), Batch(5)});  // 2 samples each.
  EXPECT_EQ(spool->Next(0, 1 << 20)->batches, 5u);
  spool->FollowServerLimit(5);
  auto out = spool->Next(0, 1 << 20);
  EXPECT_EQ(out->batches, 2u);
  EXPECT_EQ(out->seq, 2u);
  spool->FollowServerLimit(1);  // Below one batch: it goes alone.
  EXPECT_EQ(spool->Next(2, 1 << 20)->batches, 1u);
  spool->FollowServerLimit(0);
  EXPECT_EQ(spool->Next(2, 1 << 20)->batches, 3u);
}

// `payload` with a record's header.
std::string Framed(const std::string& payload) {
  std::string record;
  PutBigEndian32(&record, static_cast<uint32_t>(payload.size()));
  PutBigEndian64(&record, XXH3_64bits(payload.data(), payload.size()));
  return record + payload;
}

// A record as collectors before spool record version 2 wrote it: entries and samples summed.
std::string Version1Record(uint64_t seq, uint64_t entries_and_samples, const std::string& request) {
  std::string payload;
  PutVarint(&payload, seq);
  PutVarint(&payload, entries_and_samples);
  PutVarint(&payload, 0);  // No cursor.
  return Framed(payload + request);
}

// A PushRequest of two log entries and three samples.
std::string MixedRequest(uint64_t seq) {
  PushBuilder builder;
  StreamRef stream = MakeWireLabels(LabelSet::Make({{"app", "a"}}).value());
  builder.Add(stream, 1, "one");
  builder.Add(stream, 2, "two");
  MetricUnit unit;
  SeriesRef series = MakeWireLabels(LabelSet::Make({{"__name__", "up"}}).value());
  unit.samples = {{series, 1000, 1}, {series, 2000, 1}, {series, 3000, 0}};
  builder.AddMetrics(unit);
  return builder.Finish("agent", seq);
}

TEST(CollectorSpoolRecordTest, RoundTripsSeparateCounts) {
  SpoolBatch batch{7, 2, 3, MixedRequest(7), {FileCursor{{1, 2}, 40, {4, 99}, "/x.log", false}}};
  uint32_t request_offset = 0;
  std::string record = EncodeSpoolRecord(batch, &request_offset);
  SpoolRecordHead head;
  ASSERT_EQ(DecodeSpoolRecord(record, &head), record.size());
  EXPECT_EQ(head.version, kSpoolRecordVersion);
  EXPECT_EQ(head.seq, 7u);
  EXPECT_EQ(head.entries, 2u);
  EXPECT_EQ(head.samples, 3u);
  ASSERT_EQ(head.cursors.size(), 1u);
  EXPECT_EQ(head.cursors[0].offset, 40u);
  EXPECT_EQ(head.request_offset, request_offset);
  EXPECT_EQ(record.substr(kSpoolHeaderBytes + request_offset), batch.request);
}

TEST(CollectorSpoolRecordTest, Version1CountsAreSplitFromTheRequest) {
  std::string record = Version1Record(5, 5, MixedRequest(5));
  SpoolRecordHead head;
  ASSERT_EQ(DecodeSpoolRecord(record, &head), record.size());
  EXPECT_EQ(head.version, 1u);
  EXPECT_EQ(head.seq, 5u);
  EXPECT_EQ(head.entries, 2u);
  EXPECT_EQ(head.samples, 3u);
  // A request that does not parse: the sum is all entries.
  record = Version1Record(6, 4, "\xff\xff");
  ASSERT_EQ(DecodeSpoolRecord(record, &head), record.size());
  EXPECT_EQ(head.entries, 4u);
  EXPECT_EQ(head.samples, 0u);
}

TEST_F(CollectorSpoolTest, ReadsAndDropsWhatAVersion1CollectorSpooled) {
  fs::create_directories(dir_.path() + "/spool");
  std::string old_segment = vigie::testing::WriteFile(
      dir_, "spool/00000000000000000001.spool",
      Version1Record(1, 5, MixedRequest(1)) + Version1Record(2, 5, MixedRequest(2)));
  {
    auto spool = Open();
    ASSERT_EQ(spool->RecoveredCursors().size(), 2u);
    auto out = spool->Next(0, 0);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->request, MixedRequest(1));
    Append(spool.get(), {Batch(3)});  // Into the old segment, beside version 1 records.
  }
  segment_bytes_ = 1;                            // A segment per batch from now on.
  max_bytes_ = fs::file_size(old_segment) + 50;  // Less than one more batch.
  auto spool = Open();
  ASSERT_EQ(spool->RecoveredCursors().size(), 3u);
  EXPECT_EQ(spool->Next(2, 0)->seq, 3u);
  Append(spool.get(), {Batch(4)});  // No room left for the old segment: dropped whole.
  ASSERT_EQ(resolved_.size(), 3u);
  EXPECT_TRUE(resolved_[2].dropped);
  EXPECT_EQ(metrics_.spool_dropped_batches.Value(), 3);
  EXPECT_EQ(metrics_.spool_dropped_entries.Value(), 2 + 2 + 1);
  EXPECT_EQ(metrics_.spool_dropped_samples.Value(), 3 + 3 + 2);
}

TEST_F(CollectorSpoolTest, RefusesASpoolOfANewerVersionWithoutTouchingIt) {
  fs::create_directories(dir_.path() + "/spool");
  std::string payload;
  PutVarint(&payload, 0);
  PutVarint(&payload, kSpoolRecordVersion + 1);
  std::string record = Framed(payload + "whatever a newer collector writes");
  std::string segment = vigie::testing::WriteFile(dir_, "spool/00000000000000000001.spool", record);
  Spool::Options options{dir_.path() + "/spool", max_bytes_, segment_bytes_, false, "agent"};
  auto spool = Spool::Open(
      options, 0, [](uint64_t, const std::vector<FileCursor>&, bool) {}, &metrics_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(spool.status().message().find("version 3"), std::string::npos) << spool.status();
  EXPECT_EQ(fs::file_size(segment), record.size());
}

}  // namespace
}  // namespace vigie::collector
