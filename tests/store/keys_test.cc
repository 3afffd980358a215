#include "store/keys.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vigie::store {
namespace {

TEST(KeysTest, BlockKeysSortByPartitionStreamThenTime) {
  std::vector<BlockKey> keys = {{1, 5, -100, 0, 1},      {1, 5, 10, 20, 2},
                                {1, 5, 10, 30, 1},       {1, 6, -5, 0, 1},
                                {2, 1, 0, 0, 1},         {1, 5, INT64_MAX, INT64_MAX, 0},
                                {0, UINT64_MAX, 0, 0, 0}};
  std::vector<std::string> encoded;
  for (const auto& k : keys) encoded.push_back(EncodeBlockKey(k));
  std::sort(encoded.begin(), encoded.end());
  std::sort(keys.begin(), keys.end(), [](const BlockKey& a, const BlockKey& b) {
    return std::tie(a.partition, a.stream, a.min_ts, a.max_ts, a.seq) <
           std::tie(b.partition, b.stream, b.min_ts, b.max_ts, b.seq);
  });
  for (size_t i = 0; i < keys.size(); ++i) {
    BlockKey back;
    ASSERT_TRUE(DecodeBlockKey(encoded[i], &back));
    EXPECT_EQ(back, keys[i]) << i;
  }
}

TEST(KeysTest, PrefixesMatchBlockKeys) {
  std::string key = EncodeBlockKey({7, 42, 1, 2, 3});
  EXPECT_TRUE(key.starts_with(PartitionStreamKey(7, 42)));
  EXPECT_TRUE(key.starts_with(PartitionKey(7)));
  EXPECT_FALSE(key.starts_with(PartitionStreamKey(7, 43)));
  EXPECT_LT(key, PartitionKey(8));
}

TEST(KeysTest, BlockInfoRoundTrip) {
  BlockInfo info{{3, 4, 5, 6, 7}, 1000, 123456, std::string(8192, 5)};
  BlockInfo back;
  ASSERT_TRUE(DecodeBlockInfo(EncodeBlockKey(info.key), EncodeBlockInfoValue(info), &back));
  EXPECT_EQ(back.key, info.key);
  EXPECT_EQ(back.entries, 1000u);
  EXPECT_EQ(back.raw_bytes, 123456u);
  EXPECT_EQ(back.ngram_filter, info.ngram_filter);
  EXPECT_FALSE(DecodeBlockInfo("short", EncodeBlockInfoValue(info), &back));
}

}  // namespace
}  // namespace vigie::store
