#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "collector/checkpoints.h"
#include "collector/durable_file.h"
#include "collector/state.h"
#include "tests/integration/harness.h"

namespace vigie::collector {
namespace {

TEST(CollectorStateTest, AgentIdIsStableAndSeqKeepsIncreasing) {
  vigie::testing::TempDir dir;
  std::string id;
  uint64_t last = 0;
  for (int run = 0; run < 3; ++run) {
    auto state = AgentState::Open(dir.path() + "/state");
    ASSERT_TRUE(state.ok()) << state.status();
    if (run == 0) id = (*state)->agent_id();
    EXPECT_EQ((*state)->agent_id(), id);
    EXPECT_EQ(id.size(), 32u);
    for (int i = 0; i < 10; ++i) {
      uint64_t seq = (*state)->NextSeq().value();
      EXPECT_GT(seq, last);
      last = seq;
    }
  }
}

TEST(CollectorStateTest, SeqNeverRepeatsAcrossAnAbruptStop) {
  vigie::testing::TempDir dir;
  uint64_t high = 0;
  {
    auto state = AgentState::Open(dir.path()).value();
    // More than one lease: the bound on disk must have moved on.
    for (uint64_t i = 0; i < AgentState::kLease + 5; ++i) high = state->NextSeq().value();
  }  // No orderly shutdown is needed: the bound is written before it is used.
  auto state = AgentState::Open(dir.path()).value();
  EXPECT_GT(state->NextSeq().value(), high);
}

TEST(CollectorCheckpointsTest, SavesAndLoadsAtomically) {
  vigie::testing::TempDir dir;
  std::string path = dir.path() + "/checkpoints";
  bool first = false;
  {
    Checkpoints c(path);
    ASSERT_TRUE(c.Load(&first).ok());
    EXPECT_TRUE(first);
    c.Apply(5, {FileCursor{{1, 10}, 100, {3, 7}, "/a.log", false},
                FileCursor{{1, 11}, 200, {3, 8}, "/b.log", false}});
    c.Apply(6, {FileCursor{{1, 11}, 0, {}, "/b.log", true}});  // Released.
    EXPECT_EQ(c.Save().value(), 6u);
  }
  Checkpoints c(path);
  ASSERT_TRUE(c.Load(&first).ok());
  EXPECT_FALSE(first);
  EXPECT_EQ(c.applied_seq(), 6u);
  auto snapshot = c.Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  const FileCursor& a = snapshot.at(FileKey{1, 10});
  EXPECT_EQ(a.offset, 100u);
  EXPECT_EQ(a.fingerprint, (Fingerprint{3, 7}));
  EXPECT_EQ(a.path, "/a.log");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(CollectorCheckpointsTest, CorruptFileIsMovedAsideNotTrusted) {
  vigie::testing::TempDir dir;
  std::string path = dir.path() + "/checkpoints";
  ASSERT_TRUE(WriteFileAtomically(path, "VGCK\x01garbage-garbage").ok());
  Checkpoints c(path);
  bool first = true;
  ASSERT_TRUE(c.Load(&first).ok());
  EXPECT_FALSE(first);  // Not a new state directory: files are read again, not skipped.
  EXPECT_TRUE(c.Snapshot().empty());
  EXPECT_TRUE(std::filesystem::exists(path + ".corrupt"));
}

TEST(CollectorCheckpointsTest, DecodeRejectsEveryTruncation) {
  std::map<FileKey, FileCursor> cursors = {{{1, 2}, FileCursor{{1, 2}, 3, {4, 5}, "/p", false}}};
  std::string bytes = Checkpoints::Encode(9, cursors);
  uint64_t seq;
  std::map<FileKey, FileCursor> out;
  ASSERT_TRUE(Checkpoints::Decode(bytes, &seq, &out));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Checkpoints::Decode(bytes.substr(0, n), &seq, &out)) << n;
  }
}

}  // namespace
}  // namespace vigie::collector
