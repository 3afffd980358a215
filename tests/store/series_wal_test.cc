// The series log on real files in a temp dir: records across segments and reopen, group commit
// from several threads, a torn tail truncated, damage in the middle refused with the file and
// offset, segments removed by a checkpoint, and faults injected through the WalFs seam.
#include "store/series_wal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/strings.h"
#include "tests/integration/harness.h"
#include "tests/store/faulty_wal_fs.h"

namespace vigie::store {
namespace {

namespace fs = std::filesystem;

class SeriesWalTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path() + "/wal"; }

  // Opens the log, collecting what it replays.
  absl::StatusOr<std::unique_ptr<SeriesWal>> Open(uint64_t segment_bytes = 1 << 20,
                                                  WalFs* fs = PosixWalFs()) {
    checkpoint_.clear();
    replayed_.clear();
    warnings_.clear();
    SeriesWalOptions options;
    options.dir = dir();
    options.segment_bytes = segment_bytes;
    options.fs = fs;
    options.warn = [this](std::string_view w) { warnings_.emplace_back(w); };
    return SeriesWal::Open(
        options,
        [this](std::string_view r) {
          checkpoint_.emplace_back(r);
          return absl::OkStatus();
        },
        [this](std::string_view r) {
          replayed_.emplace_back(r);
          return absl::OkStatus();
        });
  }

  static void AppendDurably(SeriesWal& wal, const std::string& record) {
    ASSERT_TRUE(wal.WaitDurable(wal.Enqueue(record)).ok());
  }

  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir())) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  testing::TempDir tmp_;
  std::vector<std::string> checkpoint_, replayed_, warnings_;
};

std::vector<std::string> Records(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(StrCat("record ", i, " ", std::string(i % 50, 'x')));
  return out;
}

TEST_F(SeriesWalTest, RecordsComeBackInOrderAcrossSegmentsAndReopens) {
  std::vector<std::string> expected;
  for (int round = 0; round < 3; ++round) {
    auto wal = Open(/*segment_bytes=*/200);
    ASSERT_TRUE(wal.ok()) << wal.status();
    EXPECT_EQ(replayed_, expected) << "round " << round;
    for (const std::string& r : Records(round * 20, round * 20 + 20)) {
      AppendDurably(**wal, r);
      expected.push_back(r);
    }
  }
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(replayed_, expected);
  EXPECT_TRUE(warnings_.empty());
  EXPECT_GT(Files().size(), 5u) << "200-byte segments: several files";
}

TEST_F(SeriesWalTest, GroupCommitFromManyThreadsLosesNothing) {
  {
    auto wal = Open();
    ASSERT_TRUE(wal.ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (const std::string& r : Records(t * 1000, t * 1000 + 200)) {
          ASSERT_TRUE((*wal)->WaitDurable((*wal)->Enqueue(r)).ok());
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  ASSERT_TRUE(Open().ok());
  ASSERT_EQ(replayed_.size(), 800u);
  // Each thread's records in its order.
  for (int t = 0; t < 4; ++t) {
    std::vector<std::string> mine;
    for (const std::string& r : replayed_) {
      if (std::stoi(r.substr(7)) / 1000 == t) mine.push_back(r);
    }
    EXPECT_EQ(mine, Records(t * 1000, t * 1000 + 200));
  }
}

// A crash in the middle of a write leaves part of a record at the end of the last segment: it
// was never acknowledged; the start truncates it with a warning and goes on.
TEST_F(SeriesWalTest, TornTailIsTruncatedWithAWarning) {
  {
    auto wal = Open();
    ASSERT_TRUE(wal.ok());
    for (const std::string& r : Records(0, 10)) AppendDurably(**wal, r);
  }
  for (std::string tail : {std::string("\0\0\0\x30\x12\x34", 6),  // A header cut short.
                           std::string("\0\0\0\x30\x12\x34\x56\x78partial payload", 23),
                           std::string(4096, '\0')}) {  // Pages allocated, never written.
    // The newest segment, where the crashed process was writing.
    std::string last = dir() + "/" + Files().back();
    uintmax_t whole = fs::file_size(last);
    std::ofstream(last, std::ios::app | std::ios::binary) << tail;
    auto wal = Open();
    ASSERT_TRUE(wal.ok()) << wal.status();
    EXPECT_EQ(replayed_, Records(0, 10));
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_NE(warnings_[0].find(last), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[0].find(StrCat("offset ", whole)), std::string::npos) << warnings_[0];
    EXPECT_EQ(fs::file_size(last), whole);
  }
  // Appending goes on after the repair.
  {
    auto wal = Open();
    ASSERT_TRUE(wal.ok());
    AppendDurably(**wal, "after");
  }
  ASSERT_TRUE(Open().ok());
  std::vector<std::string> expected = Records(0, 10);
  expected.push_back("after");
  EXPECT_EQ(replayed_, expected);
}

// Damage with whole records after it is not a torn write: refused, naming the file, the offset
// and what to do, whether in the last segment or an earlier one.
TEST_F(SeriesWalTest, DamageInTheMiddleIsAClearError) {
  // One segment (the last one, with whole records after the damage), then an earlier one of many.
  for (uint64_t segment_bytes : {uint64_t{1} << 20, uint64_t{300}}) {
    fs::remove_all(dir());
    {
      auto wal = Open(segment_bytes);
      ASSERT_TRUE(wal.ok());
      for (const std::string& r : Records(0, 40)) AppendDurably(**wal, r);
    }
    std::vector<std::string> files = Files();
    std::string path = dir() + "/" + files[segment_bytes == 300 ? 1 : 0];
    std::string bytes;
    ASSERT_TRUE(PosixWalFs()->ReadAll(path, &bytes).ok());
    ASSERT_GT(bytes.size(), 40u) << path;
    // Into the second record's payload.
    size_t second = 8 + ((uint8_t(bytes[2]) << 8) | uint8_t(bytes[3]));
    std::string damaged = bytes;
    damaged[second + 10] ^= 0x5a;
    std::ofstream(path, std::ios::trunc | std::ios::binary) << damaged;
    auto wal = Open();
    ASSERT_FALSE(wal.ok()) << path;
    EXPECT_TRUE(absl::IsDataLoss(wal.status()));
    std::string message(wal.status().message());
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(StrCat("offset ", second)), std::string::npos) << message;
    EXPECT_NE(message.find(StrCat("truncate -s ", second)), std::string::npos) << message;
    std::ofstream(path, std::ios::trunc | std::ios::binary) << bytes;
    ASSERT_TRUE(Open().ok());
    EXPECT_EQ(replayed_, Records(0, 40));
  }
}

TEST_F(SeriesWalTest, ACheckpointLetsTheSegmentsBeforeItGo) {
  {
    auto wal = Open(/*segment_bytes=*/300);
    ASSERT_TRUE(wal.ok());
    for (const std::string& r : Records(0, 30)) AppendDurably(**wal, r);
    absl::StatusOr<uint64_t> segment = (*wal)->Rotate();
    ASSERT_TRUE(segment.ok());
    for (const std::string& r : Records(30, 35)) AppendDurably(**wal, r);
    ASSERT_TRUE((*wal)->WriteCheckpoint(*segment, {"head a", "head b"}).ok());
    std::vector<std::string> files = Files();
    ASSERT_FALSE(files.empty());
    // Sorted: segments (digits) first, the checkpoint last.
    char name[32];
    std::snprintf(name, sizeof name, "checkpoint.%08llu",
                  static_cast<unsigned long long>(*segment));
    EXPECT_EQ(files.back(), name);
    for (size_t i = 0; i + 1 < files.size(); ++i) EXPECT_GE(std::stoull(files[i]), *segment);
  }
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(checkpoint_, (std::vector<std::string>{"head a", "head b"}));
  EXPECT_EQ(replayed_, Records(30, 35));
}

// A crash while a checkpoint is written leaves its .tmp (the old checkpoint and segments stand),
// or, after the rename, segments it covers: both are cleaned up at the next start, and each
// record is replayed once.
TEST_F(SeriesWalTest, ACrashDuringACheckpointLeavesAConsistentLog) {
  std::string covered_segment;
  {
    auto wal = Open(/*segment_bytes=*/1 << 20);
    ASSERT_TRUE(wal.ok());
    for (const std::string& r : Records(0, 10)) AppendDurably(**wal, r);
    covered_segment = Files().back();
    std::ofstream(dir() + "/" + covered_segment + ".bak", std::ios::binary)
        << std::ifstream(dir() + "/" + covered_segment, std::ios::binary).rdbuf();
    absl::StatusOr<uint64_t> segment = (*wal)->Rotate();
    ASSERT_TRUE(segment.ok());
    for (const std::string& r : Records(10, 15)) AppendDurably(**wal, r);
    ASSERT_TRUE((*wal)->WriteCheckpoint(*segment, {"heads"}).ok());
  }
  // The covered segment back (its removal did not happen), and a half-written next checkpoint.
  fs::rename(dir() + "/" + covered_segment + ".bak", dir() + "/" + covered_segment);
  std::ofstream(dir() + "/checkpoint.99999999.tmp", std::ios::binary) << "half";
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(checkpoint_, std::vector<std::string>{"heads"});
  EXPECT_EQ(replayed_, Records(10, 15));
  for (const std::string& name : Files()) {
    EXPECT_NE(name, covered_segment);
    EXPECT_FALSE(name.ends_with(".tmp")) << name;
  }
}

// A failed fsync or a short write fails the append, and every later one: nothing more is
// acknowledged. The next start replays what the files hold, a torn tail cut off.
TEST_F(SeriesWalTest, WriteAndSyncFaultsFailTheAppendForGood) {
  for (bool short_write : {false, true}) {
    fs::remove_all(dir());
    FaultyFs faulty;
    {
      auto wal = Open(1 << 20, &faulty);
      ASSERT_TRUE(wal.ok());
      AppendDurably(**wal, "acked");
      if (short_write) {
        faulty.short_write_from = 100;
      } else {
        faulty.fail_sync = true;
      }
      absl::Status st = (*wal)->WaitDurable((*wal)->Enqueue(std::string(200, 'y')));
      EXPECT_FALSE(st.ok());
      EXPECT_NE(st.message().find("injected"), std::string::npos) << st;
      faulty.fail_sync = false;
      faulty.short_write_from = SIZE_MAX;
      EXPECT_FALSE((*wal)->WaitDurable((*wal)->Enqueue("later")).ok()) << "the log stays failed";
    }
    auto wal = Open();
    ASSERT_TRUE(wal.ok()) << wal.status();
    ASSERT_FALSE(replayed_.empty());
    EXPECT_EQ(replayed_[0], "acked");
    // A failed fsync may leave the record in the file (never acknowledged); a short write is
    // a torn tail.
    EXPECT_EQ(warnings_.size(), short_write ? 1u : 0u);
  }
}

}  // namespace
}  // namespace vigie::store
