#include "store/block.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <random>

namespace vigie::store {
namespace {

std::vector<LogEntry> Sample(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<LogEntry> out;
  int64_t ts = 1'700'000'000'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    ts += rng() % 1000;  // Equal timestamps happen too.
    std::string line(rng() % 200, 'a');
    for (char& c : line) c = static_cast<char>(rng() % 256);  // Any bytes, \0 and \n included.
    out.push_back({ts, line});
  }
  return out;
}

TEST(BlockTest, RoundTripKeepsEveryByte) {
  for (size_t n : {0, 1, 2, 1000}) {
    auto entries = Sample(n, static_cast<uint32_t>(n));
    DecodedBlock block;
    ASSERT_TRUE(DecodeBlock(EncodeBlock(entries), &block).ok());
    ASSERT_EQ(block.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(block.ts(i), entries[i].ts_ns);
      EXPECT_EQ(block.line(i), entries[i].line);
    }
  }
}

TEST(BlockTest, NegativeAndLargeDeltas) {
  std::vector<LogEntry> entries = {{0, "a"}, {INT64_MAX / 2, "b"}, {INT64_MAX, ""}};
  DecodedBlock block;
  ASSERT_TRUE(DecodeBlock(EncodeBlock(entries), &block).ok());
  EXPECT_EQ(block.ts(2), INT64_MAX);
  EXPECT_EQ(block.line(2), "");
}

TEST(BlockTest, LineAtMapsBytesToLines) {
  std::vector<LogEntry> entries = {{1, "abc"}, {2, ""}, {3, "de"}};
  DecodedBlock block;
  ASSERT_TRUE(DecodeBlock(EncodeBlock(entries), &block).ok());
  EXPECT_EQ(block.lines(), "abcde");
  EXPECT_EQ(block.LineAt(0), 0u);
  EXPECT_EQ(block.LineAt(2), 0u);
  EXPECT_EQ(block.LineAt(3), 2u);
  EXPECT_EQ(block.LineAt(4), 2u);
  // From a line at or before the byte: the same answers, near and far.
  std::vector<LogEntry> many;
  for (int i = 0; i < 1000; ++i) many.push_back({i, std::string(i % 7, 'x')});
  ASSERT_TRUE(DecodeBlock(EncodeBlock(many), &block).ok());
  for (size_t pos = 0; pos < block.lines().size(); pos += 13) {
    const size_t line = block.LineAt(pos);
    EXPECT_LT(pos - block.offset(line), block.line(line).size()) << pos;
    for (size_t first : {size_t{0}, line / 2, line > 3 ? line - 3 : 0, line}) {
      EXPECT_EQ(block.LineAt(pos, first), line) << pos << " from " << first;
    }
  }
}

TEST(BlockTest, CorruptionIsDetected) {
  std::string encoded = EncodeBlock(Sample(100, 7));
  DecodedBlock block;
  for (size_t pos : {size_t{0}, size_t{1}, size_t{5}, encoded.size() / 2, encoded.size() - 1}) {
    std::string bad = encoded;
    bad[pos] ^= 0x5a;
    EXPECT_FALSE(DecodeBlock(bad, &block).ok()) << "flipped byte " << pos;
  }
  EXPECT_FALSE(DecodeBlock(encoded.substr(0, encoded.size() - 3), &block).ok());
  EXPECT_FALSE(DecodeBlock("", &block).ok());
  // An entry count so large that count * 2 wraps around to a small number (found by
  // block_decode_fuzz): refused before anything is allocated for it.
  // Version 1, count 3 << 63, raw size 10, then a valid zstd frame of 10 bytes.
  const unsigned char huge[] = {0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03,
                                0x0a, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x0a, 0x51, 0x00, 0x00, 0x0c,
                                0x08, 0x00, 0x00, 0x01, 0x03, 0x0a, 0x28, 0xff, 0xff};
  absl::Status st =
      DecodeBlock(std::string_view(reinterpret_cast<const char*>(huge), sizeof huge), &block);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << st;
}

// Blocks of version 1 (storage format 5 and older) have no hash of their own but a zstd content
// checksum: they still decode, and damage to them is still found.
TEST(BlockTest, VersionOneBlocksStillDecodeAndTheirDamageIsFound) {
  std::string payload;
  for (int64_t delta : {5, 4}) payload.push_back(static_cast<char>(delta * 2));  // zigzag varints
  payload += std::string("\x05\x06") + "firstsecond";
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  frame.resize(ZSTD_compress2(cctx, frame.data(), frame.size(), payload.data(), payload.size()));
  ZSTD_freeCCtx(cctx);
  // Version 1, two entries, the payload's size, then the frame.
  std::string encoded = std::string("\x01\x02") + static_cast<char>(payload.size()) + frame;
  DecodedBlock block;
  ASSERT_TRUE(DecodeBlock(encoded, &block).ok());
  ASSERT_EQ(block.size(), 2u);
  EXPECT_EQ(block.ts(1), 9);
  EXPECT_EQ(block.line(1), "second");
  encoded[encoded.size() - 6] ^= 0x01;  // In the frame's last block (the payload, stored raw).
  EXPECT_FALSE(DecodeBlock(encoded, &block).ok());
}

TEST(BlockTest, CompressesRepetitiveLogs) {
  std::vector<LogEntry> entries;
  for (int i = 0; i < 5000; ++i) {
    entries.push_back({i * 1000, "2024-05-01 12:00:00 INFO request served path=/api/v1/items/" +
                                     std::to_string(i)});
  }
  size_t raw = 0;
  for (auto& e : entries) raw += e.line.size();
  EXPECT_LT(EncodeBlock(entries).size(), raw / 5);
}

}  // namespace
}  // namespace vigie::store
