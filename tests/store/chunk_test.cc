#include "store/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace vigie::store {

void PrintTo(const Sample& s, std::ostream* os) {
  *os << s.ts_ms << ":0x" << std::hex << std::bit_cast<uint64_t>(s.value) << std::dec;
}

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<Sample> RoundTrip(const std::vector<Sample>& samples, size_t* bytes = nullptr) {
  ChunkAppender chunk;
  for (const Sample& s : samples) chunk.Append(s.ts_ms, s.value);
  EXPECT_EQ(chunk.size(), samples.size());
  if (bytes) *bytes = chunk.bytes().size();
  std::vector<Sample> out;
  absl::Status st = DecodeChunk(chunk.bytes(), kMin, kMax, &out);
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

TEST(ChunkTest, OneSample) {
  std::vector<Sample> one = {{1'700'000'000'000, 42.5}};
  EXPECT_EQ(RoundTrip(one), one);
}

TEST(ChunkTest, RegularScrapesTakeAboutOneByteAndAHalfPerSample) {
  std::vector<Sample> samples;
  double counter = 1000;
  std::mt19937 rng(7);
  for (int i = 0; i < 120; ++i) {
    counter += rng() % 4;  // A slowly growing counter, scraped every 15 s.
    samples.push_back({1'700'000'000'000 + i * 15000, counter});
  }
  size_t bytes = 0;
  EXPECT_EQ(RoundTrip(samples, &bytes), samples);
  EXPECT_LT(bytes, 120u * 3) << "regular timestamps cost one bit, small changes a few bytes";
}

TEST(ChunkTest, SpecialValuesAreBitExact) {
  std::vector<Sample> samples = {{0, StaleNaN()},
                                 {1, kInf},
                                 {2, -kInf},
                                 {3, std::nan("")},
                                 {4, -0.0},
                                 {5, 0.0},
                                 {6, std::bit_cast<double>(uint64_t{0xfff0000000000001})},
                                 {7, std::numeric_limits<double>::denorm_min()},
                                 {8, std::numeric_limits<double>::max()},
                                 {9, StaleNaN()}};
  std::vector<Sample> out = RoundTrip(samples);
  EXPECT_EQ(out, samples);
  EXPECT_TRUE(IsStaleNaN(out[0].value));
  EXPECT_TRUE(IsStaleNaN(out[9].value));
  EXPECT_FALSE(IsStaleNaN(out[3].value));
}

TEST(ChunkTest, EqualHugeAndNegativeTimeDeltas) {
  std::vector<Sample> samples = {{100, 1},
                                 {100, 2},
                                 {100, 2},
                                 {99, 3},
                                 {-5, 4},
                                 {kMax, 5},
                                 {kMin, 6},
                                 {0, 7},
                                 {kMax, 8},
                                 {1'000, 9},
                                 {1'000 + (1 << 13), 10},
                                 {1'000 + (1 << 13) + (1 << 16) + 3, 11}};
  EXPECT_EQ(RoundTrip(samples), samples);
}

TEST(ChunkTest, RandomSamplesRoundTrip) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 200; ++round) {
    std::vector<Sample> samples;
    int64_t ts = static_cast<int64_t>(rng());
    size_t n = 1 + rng() % 120;
    for (size_t i = 0; i < n; ++i) {
      // Mostly regular steps with jitter, sometimes anything.
      ts += rng() % 8 == 0 ? static_cast<int64_t>(rng())
                           : 15000 + static_cast<int64_t>(rng() % 200) - 100;
      uint64_t bits =
          rng() % 3 == 0 ? rng() : std::bit_cast<uint64_t>(static_cast<double>(rng() % 1000));
      samples.push_back({ts, std::bit_cast<double>(bits)});
    }
    ASSERT_EQ(RoundTrip(samples), samples) << "round " << round;
  }
}

// Values as exporters write them, decimals with a few digits, changing randomly by a few hundred
// units of their last digit: the decimal difference takes 2 bytes where their XOR takes 5 or more.
TEST(ChunkTest, DecimalValuesTakeAboutTwoBytesPerSample) {
  std::mt19937 rng(3);
  for (int scale = 0; scale <= 3; ++scale) {
    std::vector<Sample> samples;
    int64_t mantissa = 40'000;
    for (int i = 0; i < 120; ++i) {
      mantissa += static_cast<int64_t>(rng() % 600) - 300;
      samples.push_back(
          {1'700'000'000'000 + i * 15000, static_cast<double>(mantissa) / std::pow(10, scale)});
    }
    size_t bytes = 0;
    EXPECT_EQ(RoundTrip(samples, &bytes), samples) << "scale " << scale;
    EXPECT_LT(bytes, 120u * 9 / 4 + 20) << "scale " << scale;
  }
}

TEST(ChunkTest, ValuesSwitchingBetweenDecimalsAndOthersRoundTrip) {
  std::vector<Sample> samples;
  double values[] = {
      40,   40.5, 41.25, 1.0 / 3, 2.5,  std::nan(""),       2.5,   -0.0,       0.0, 1e300,
      3.75, 3.75, 1e-7,  1e15,    1e16, 9007199254740993.0, -12.5, StaleNaN(), 7};
  for (size_t i = 0; i < std::size(values); ++i) {
    samples.push_back({static_cast<int64_t>(i) * 15000, values[i]});
  }
  EXPECT_EQ(RoundTrip(samples), samples);
}

// Chunks written before the decimal encoding (no marker byte, XOR values) still decode.
TEST(ChunkTest, LegacyXorChunksDecode) {
  // {1000: 1.0}, {16000: 1.0}, {31000: 2.0}, as the legacy encoder wrote them.
  const std::string legacy(
      "\x00\x03\x00\x00\x00\x00\x00\x00\x03\xe8\x3f\xf0\x00\x00\x00\x00\x00\x00\xc3\xa9"
      "\x83\x09\x7f\xfc",
      24);
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeChunk(legacy, kMin, kMax, &out).ok());
  EXPECT_EQ(out, (std::vector<Sample>{{1000, 1.0}, {16000, 1.0}, {31000, 2.0}}));
}

TEST(ChunkTest, DecodeFiltersByTime) {
  ChunkAppender chunk;
  for (int i = 0; i < 10; ++i) chunk.Append(i * 10, i);
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeChunk(chunk.bytes(), 25, 60, &out).ok());
  EXPECT_EQ(out, (std::vector<Sample>{{30, 3}, {40, 4}, {50, 5}, {60, 6}}));
}

TEST(ChunkTest, TruncatedOrCorruptChunksFailCleanly) {
  ChunkAppender chunk;
  for (int i = 0; i < 50; ++i) chunk.Append(i * 1000 + (i % 3), i * 0.1);
  const std::string& bytes = chunk.bytes();
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<Sample> out;
    absl::Status st = DecodeChunk(bytes.substr(0, len), kMin, kMax, &out);
    EXPECT_TRUE(absl::IsDataLoss(st)) << "length " << len << ": " << st;
  }
  std::string more = bytes;
  more[1] = more[2] = '\xff';  // Claims 65k samples.
  std::vector<Sample> out;
  EXPECT_TRUE(absl::IsDataLoss(DecodeChunk(more, kMin, kMax, &out)));
}

}  // namespace
}  // namespace vigie::store
