// A database of storage format version 4, whose blocks carry the 8 KiB n-gram filters of that
// version: it opens (upgraded to version 5 without rewriting anything), its blocks read, and
// their old filters still rule literals out; new blocks get the new filter.
#include <gtest/gtest.h>

#include <fstream>

#include "rocksdb/db.h"
#include "store/keys.h"
#include "store/ngram_filter.h"
#include "tests/store/series_store_fixture.h"

namespace vigie::store {
namespace {

using FilterFormatTest = SeriesStoreTest;

TEST_F(FilterFormatTest, VersionFourBlocksStillReadAndFilter) {
  // The lines the checked-in version 4 filter was made from (tests/data/README.md).
  std::vector<std::string> lines;
  {
    std::ifstream in(testing::TestDataPath("loghub/OpenSSH_2k.log"));
    std::string line;
    while (lines.size() < 300 && std::getline(in, line)) lines.push_back(line);
  }
  std::ifstream fixture(testing::TestDataPath("ngram_filter_v4/openssh_300.bin"), std::ios::binary);
  const std::string old_filter((std::istreambuf_iterator<char>(fixture)),
                               std::istreambuf_iterator<char>());
  ASSERT_EQ(old_filter.size(), 8192u);
  const LabelSet ssh = Labels({{"service", "openssh"}});
  const int64_t t0 = kT0 * 1'000'000;
  {
    auto store = Open();
    AppendRequest request;
    request.streams.push_back({ssh, {}});
    for (size_t i = 0; i < lines.size(); ++i)
      request.streams[0].entries.push_back({t0 + static_cast<int64_t>(i), lines[i]});
    ASSERT_TRUE(store->Append(request).ok());
  }
  // What version 4 wrote: the same block under its old filter.
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, families.at("block_index")));
    int blocks = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++blocks) {
      BlockInfo info;
      ASSERT_TRUE(DecodeBlockInfo(it->key().ToStringView(), it->value().ToStringView(), &info));
      EXPECT_NE(info.ngram_filter.size(), 8192u);  // The new format is never 8 KiB exactly.
      info.ngram_filter = old_filter;
      ASSERT_TRUE(
          db->Put({}, families.at("block_index"), it->key(), EncodeBlockInfoValue(info)).ok());
    }
    EXPECT_EQ(blocks, 1);
    ASSERT_TRUE(db->Put({}, families.at("default"), kFormatVersionKey, "4").ok());
  });
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto reader = store->NewReader();
  std::vector<BlockInfo> blocks = reader->Blocks(ssh.Hash(), {});
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].ngram_filter, old_filter);
  DecodedBlock block;
  ASSERT_TRUE(reader->ReadBlock(blocks[0].key, &block).ok());
  ASSERT_EQ(block.size(), lines.size());
  EXPECT_EQ(block.line(299), lines[299]);
  EXPECT_TRUE(NgramFilterMayContain(blocks[0].ngram_filter, "Invalid user webmaster"));
  EXPECT_FALSE(NgramFilterMayContain(blocks[0].ngram_filter, "PacketResponder"));
  // Lines appended now get the new filter, beside the old block.
  AppendRequest more;
  more.streams.push_back({ssh, {{t0 + 1000, "PacketResponder 1 terminating"}}});
  ASSERT_TRUE(store->Append(more).ok());
  // (The small-block merger may have merged the two by now: then under a new filter too.)
  blocks = store->NewReader()->Blocks(ssh.Hash(), {});
  const BlockInfo& newest = blocks.back();
  EXPECT_NE(newest.ngram_filter.size(), 8192u);
  EXPECT_TRUE(NgramFilterMayContain(newest.ngram_filter, "PacketResponder"));
  EXPECT_TRUE(NgramFilterMayContain(newest.ngram_filter, "packetresponder", true));
  reader.reset();  // A reader holds a snapshot of the store's database.
  store.reset();
  WithRawDatabase([&](rocksdb::DB* db, const Families& families) {
    std::string version;
    ASSERT_TRUE(db->Get({}, families.at("default"), kFormatVersionKey, &version).ok());
    EXPECT_EQ(version, kFormatVersion);
  });
}

}  // namespace
}  // namespace vigie::store
