// Detector state: what the rules engine stores per series so that vigied survives kill -9
// without relearning. Restored detectors must score exactly as the original; corrupt bytes
// must be refused, never read out of bounds.
#include <gtest/gtest.h>

#include <chrono>

#include "alerts/detectors/detector.h"
#include "tests/alerts/detectors/synthetic.h"

namespace vigie::alerts::detectors {
namespace {

using testing::kPointsPerDay;
using testing::LoginCurve;

std::unique_ptr<Detector> Trained(std::string_view name, int64_t points, LoginCurve* curve) {
  auto d = *NewDetector(name);
  for (int64_t i = 0; i < points; ++i) d->Observe(LoginCurve::TimeOf(i), curve->Next(i));
  return d;
}

TEST(DetectorStateTest, RestoredMidStreamScoresIdentically) {
  for (const std::string& name : DetectorNames()) {
    LoginCurve curve(0.5);
    int64_t cut = 12 * kPointsPerDay + 77;
    auto original = Trained(name, cut, &curve);
    std::string bytes;
    original->Serialize(&bytes);
    absl::StatusOr<std::unique_ptr<Detector>> restored = RestoreDetector(bytes);
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ((*restored)->name(), name);
    for (int64_t i = cut; i < cut + 10 * kPointsPerDay; ++i) {
      double v = i % 997 == 0 ? 5000 : curve.Next(i);  // and a few spikes
      Verdict a = original->Observe(LoginCurve::TimeOf(i), v);
      Verdict b = (*restored)->Observe(LoginCurve::TimeOf(i), v);
      ASSERT_EQ(a.score, b.score) << name << " point " << i;
      ASSERT_EQ(a.onset, b.onset) << name << " point " << i;
      ASSERT_EQ(a.lower, b.lower) << name << " point " << i;
      ASSERT_EQ(a.upper, b.upper) << name << " point " << i;
      ASSERT_EQ(a.learning, b.learning);
    }
    std::string again;
    (*restored)->Serialize(&again);
    original->Serialize(&bytes);
    EXPECT_EQ(again, bytes);
  }
}

// Version 5's layout (docs/anomaly.md, State format), to write the older versions from it:
// after the name, the scalars and the four levels, then the daily shape and spreads, then the
// weekly shape's bitmap and its 336 bfloat16 offsets (float32 before version 3); at the end, the
// recurrence memory (from version 2), the context and its tail (from version 3), the ContextOse
// (from version 4; its growing quantisation, the last of its bytes, from version 5), the episode
// (from version 2).
constexpr size_t kBeforeWeeklyOffsets = 80 + 4 * 44 + (12 + 96 * 4) + 96 * 4 + 42;
constexpr size_t kWeeklyBins = 336;
constexpr size_t kRecurrenceBytes = 192;
constexpr size_t kContextBytes = 7 * 8 + 306 + (64 * 4 + 2 * 8);
constexpr size_t kContextOseQuantiserBytes = 2 * 8 + 1 + 32;
constexpr size_t kContextOseBytes = 2 * 8 + 2 * kContextOseQuantiserBytes;
constexpr size_t kEpisodeBytes = 9;

// The state an older build would have written for the same band.
std::string AsVersion(const std::string& v5, char version) {
  if (version == 4) {
    std::string old = v5;
    old.erase(v5.size() - kEpisodeBytes - kContextOseQuantiserBytes, kContextOseQuantiserBytes);
    old[0] = version;
    return old;
  }
  size_t weekly = 2 + static_cast<size_t>(v5[1]) + kBeforeWeeklyOffsets;
  std::string old = v5.substr(0, weekly + (version == 3 ? 2 * kWeeklyBins : 0));
  if (version < 3) {
    for (size_t i = 0; i < kWeeklyBins; ++i) {
      // A little-endian float32 whose upper half is the bfloat16.
      old += std::string(2, '\0') + v5.substr(weekly + 2 * i, 2);
    }
  }
  size_t rest = weekly + 2 * kWeeklyBins;
  size_t end = v5.size() - kEpisodeBytes - kContextOseBytes;
  if (version < 3) end -= kContextBytes;
  if (version == 1) end -= kRecurrenceBytes;
  old += v5.substr(rest, end - rest);
  if (version >= 2) old += v5.substr(v5.size() - kEpisodeBytes);
  old[0] = version;
  return old;
}

// A state written by an older build (version 1: no recurrence memory, no episode; version 2: a
// float32 weekly shape, no context; version 3: no ContextOse; version 4: ContextOse's frozen
// quantisation only) restores with nothing recurring, no
// episode in progress and no context learned yet: its band is the original's, its first point
// beyond the band is an onset, and it is written back as version 5.
TEST(DetectorStateTest, OlderVersionStatesStillRestore) {
  LoginCurve curve(0.5);
  int64_t cut = 12 * kPointsPerDay;
  auto original = Trained(kDefaultDetector, cut, &curve);
  std::string bytes;
  original->Serialize(&bytes);
  ASSERT_EQ(bytes[0], 5);
  for (char version : {1, 2, 3, 4}) {
    SCOPED_TRACE(static_cast<int>(version));
    LoginCurve replay(0.5);
    auto reference = Trained(kDefaultDetector, cut, &replay);
    absl::StatusOr<std::unique_ptr<Detector>> restored = RestoreDetector(AsVersion(bytes, version));
    ASSERT_TRUE(restored.ok()) << restored.status();
    for (int64_t i = cut; i < cut + kPointsPerDay; ++i) {
      double v = replay.Next(i);
      Verdict a = reference->Observe(LoginCurve::TimeOf(i), v);
      Verdict b = (*restored)->Observe(LoginCurve::TimeOf(i), v);
      ASSERT_EQ(a.expected, b.expected) << i;
      ASSERT_EQ(a.upper, b.upper) << i;
      ASSERT_TRUE(b.score >= 0 && b.score <= 1) << i;
    }
    Verdict spike = (*restored)->Observe(LoginCurve::TimeOf(cut + kPointsPerDay), 5000);
    EXPECT_GE(spike.onset, 0.5);
    std::string again;
    (*restored)->Serialize(&again);
    EXPECT_EQ(again[0], 5);
    EXPECT_EQ(again.size(), bytes.size());
  }
}

TEST(DetectorStateTest, StateIsAtMostFourKiB) {
  LoginCurve curve(0.5);
  auto d = Trained(kDefaultDetector, 60 * kPointsPerDay, &curve);
  std::string bytes;
  d->Serialize(&bytes);
  EXPECT_LE(bytes.size(), 4096u);
  std::string fresh;
  (*NewDetector())->Serialize(&fresh);
  EXPECT_EQ(fresh.size(), bytes.size());  // fixed size: no growth with history
}

TEST(DetectorStateTest, CorruptStateIsDataLossNeverACrash) {
  LoginCurve curve;
  auto d = Trained(kDefaultDetector, 3 * kPointsPerDay, &curve);
  std::string bytes;
  d->Serialize(&bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<std::unique_ptr<Detector>> r = RestoreDetector(bytes.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(RestoreDetector(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string other_version = bytes;
  other_version[0] = 9;
  EXPECT_NE(RestoreDetector(other_version).status().message().find("version 9"), std::string::npos);
  std::string unknown_name = bytes;
  unknown_name[2] = 'X';
  EXPECT_EQ(RestoreDetector(unknown_name).status().code(), absl::StatusCode::kDataLoss);
  // A NaN where a level was: refused rather than poisoning every later score.
  std::string nan_level = bytes;
  size_t fast_level = 2 + static_cast<size_t>(nan_level[1]) + 80;
  for (size_t i = fast_level; i < fast_level + 8; ++i) nan_level[i] = '\xff';
  EXPECT_EQ(RestoreDetector(nan_level).status().code(), absl::StatusCode::kDataLoss);
  // Any single flipped byte either restores to a working detector or is refused.
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    absl::StatusOr<std::unique_ptr<Detector>> r = RestoreDetector(flipped);
    if (r.ok()) {
      Verdict v = (*r)->Observe(LoginCurve::TimeOf(3 * kPointsPerDay), 100);
      EXPECT_TRUE(v.score >= 0 && v.score <= 1) << i;
    }
  }
}

// A loose sanity bound (the benchmark measures): a point costs well under 20 µs even in a
// debug or sanitized build on a loaded machine; the target is 2 µs in release.
TEST(DetectorStateTest, PerPointCostIsSmall) {
  auto d = *NewDetector();
  LoginCurve curve;
  constexpr int64_t kPoints = 200'000;
  std::vector<double> values(kPoints);
  for (int64_t i = 0; i < kPoints; ++i) values[i] = curve.Next(i);
  auto start = std::chrono::steady_clock::now();
  double sum = 0;
  for (int64_t i = 0; i < kPoints; ++i) sum += d->Observe(LoginCurve::TimeOf(i), values[i]).score;
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(sum, 0);
  double micros = std::chrono::duration<double, std::micro>(elapsed).count();
  EXPECT_LT(micros / kPoints, 20.0);
}

}  // namespace
}  // namespace vigie::alerts::detectors
