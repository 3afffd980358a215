// ContextOse (CAD OSE-like transition novelty) on synthetic curves: a curve that keeps to its
// moves raises nothing once learned, a move never made is flagged once and then learned, the
// range is the warm-up's, and the state is fixed-size and round-trips.
#include "alerts/detectors/context_ose.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>

#include "alerts/detectors/detector.h"
#include "tests/alerts/detectors/synthetic.h"

namespace vigie::alerts::detectors {
namespace {

using testing::kPointsPerDay;
using testing::LoginCurve;

// A square wave between 100 and 200 (plus a little noise) with `period` points per cycle.
double Square(int64_t i, int64_t period, std::mt19937* rng) {
  std::normal_distribution<double> noise(0.0, 2.0);
  return (i % period < period / 2 ? 100.0 : 200.0) + noise(*rng);
}

// Feeds points [from, to) of a square wave; returns how many were novel.
int FeedSquare(ContextOse* ose, int64_t from, int64_t to, int64_t period, std::mt19937* rng) {
  int novel = 0;
  for (int64_t i = from; i < to; ++i) {
    std::optional<double> n = ose->Observe(LoginCurve::TimeOf(i), Square(i, period, rng), false);
    novel += n.value_or(0) > 0;
  }
  return novel;
}

TEST(ContextOseTest, NothingScoredDuringWarmUpAndLearningDay) {
  ContextOse ose;
  LoginCurve curve;
  for (int64_t i = 0; i < 2 * kPointsPerDay; ++i) {
    ASSERT_FALSE(ose.Observe(LoginCurve::TimeOf(i), curve.Next(i), false).has_value()) << i;
  }
  EXPECT_TRUE(
      ose.Observe(LoginCurve::TimeOf(2 * kPointsPerDay), curve.Next(2 * kPointsPerDay), false)
          .has_value());
}

TEST(ContextOseTest, DailyPatternRaisesNothingOnceLearned) {
  ContextOse ose;
  LoginCurve curve;
  int novel_after = 0;
  for (int64_t i = 0; i < 28 * kPointsPerDay; ++i) {
    std::optional<double> n = ose.Observe(LoginCurve::TimeOf(i), curve.Next(i), false);
    if (i >= 4 * kPointsPerDay) novel_after += n.value_or(0) > 0;
  }
  EXPECT_EQ(novel_after, 0);
}

// The same two levels, but the wave jumps straight from the bottom to a level it never reached
// directly: a move inside the range that was never made.
TEST(ContextOseTest, NovelMoveFlaggedOnceThenLearned) {
  ContextOse ose;
  std::mt19937 rng(3);
  int64_t at = 7 * kPointsPerDay;
  ASSERT_EQ(FeedSquare(&ose, 0, at, 12, &rng), 0);
  // The wave's range is 100..200; 150 sits on a level the wave only crosses between points.
  std::optional<double> novel = ose.Observe(LoginCurve::TimeOf(at), 150, false);
  ASSERT_TRUE(novel.has_value());
  EXPECT_EQ(*novel, 1);
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 1), 200, false), 1);
  // The same moves again: learned.
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 2), 150, false), 0);
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 3), 200, false), 0);
}

// A value far beyond the warm-up's range lands on the frozen range's outermost level, where it
// stays, and widens the growing range: novel to both the first time, then known to the frozen
// range only while the growing one keeps widening. Widening keeps the learned moves: the wave's
// own moves stay known to both.
TEST(ContextOseTest, ValueBeyondTheRangeIsNovelAndTheLearnedMovesStay) {
  ContextOse ose;
  std::mt19937 rng(5);
  int64_t at = 7 * kPointsPerDay;
  FeedSquare(&ose, 0, at, 12, &rng);
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at), 1e6, false), 1);
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 1), 1e7, false), 1);  // frozen: (top, top)
  // The frozen range learned (top, top); the growing one widened again: 1e7 is not 1e8's level.
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 2), 1e8, false), 0.5);
  ose.Observe(LoginCurve::TimeOf(at + 3), 200, false);
  EXPECT_EQ(FeedSquare(&ose, at + 4, at + 4 + kPointsPerDay, 12, &rng), 0);
}

// A curve that moves beyond the warm-up's range and goes on moving there: the frozen range
// clamps all of it on its outermost level (every move there is (top, top)); the growing range
// tells its levels apart, so a move there never made is still novel to it.
TEST(ContextOseTest, GrowingRangeSeesMovesBeyondTheWarmUp) {
  ContextOse ose;
  std::mt19937 rng(11);
  int64_t at = 7 * kPointsPerDay;
  FeedSquare(&ose, 0, at, 12, &rng);
  std::normal_distribution<double> noise(0.0, 2.0);
  for (int64_t i = at; i < at + 2 * kPointsPerDay; ++i) {
    ose.Observe(LoginCurve::TimeOf(i), (i % 12 < 6 ? 1000.0 : 1100.0) + noise(rng), false);
  }
  at += 2 * kPointsPerDay;
  // Learned: the new wave's moves are known to both.
  int novel = 0;
  for (int64_t i = at; i < at + kPointsPerDay; ++i) {
    novel += ose.Observe(LoginCurve::TimeOf(i), (i % 12 < 6 ? 1000.0 : 1100.0) + noise(rng), false)
                 .value_or(0) > 0;
  }
  EXPECT_EQ(novel, 0);
  at += kPointsPerDay;
  ose.Observe(LoginCurve::TimeOf(at), 1100, false);
  // 700: beyond the frozen range too (its top level, as 1000 and 1100), a new level to the
  // growing range.
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 1), 700, false), 0.5);
}

TEST(ContextOseTest, GapContextIsNeitherScoredNorLearned) {
  ContextOse ose;
  std::mt19937 rng(9);
  int64_t at = 7 * kPointsPerDay;
  FeedSquare(&ose, 0, at, 12, &rng);
  ose.Observe(LoginCurve::TimeOf(at), 100, false);
  EXPECT_FALSE(ose.Observe(LoginCurve::TimeOf(at + 100), 150, true).has_value());
  // 100 then 150 was not learned across the gap.
  ose.Observe(LoginCurve::TimeOf(at + 101), 100, false);
  EXPECT_EQ(*ose.Observe(LoginCurve::TimeOf(at + 102), 150, false), 1);
}

TEST(ContextOseTest, StateRoundTripsAndIsFixedSize) {
  ContextOse original;
  std::mt19937 rng(13);
  FeedSquare(&original, 0, 3 * kPointsPerDay, 12, &rng);
  std::string fresh, bytes;
  StateWriter fresh_writer(&fresh);
  ContextOse().Encode(&fresh_writer);
  StateWriter writer(&bytes);
  original.Encode(&writer);
  EXPECT_EQ(bytes.size(), fresh.size());
  ContextOse restored;
  StateReader r(bytes);
  restored.Decode(&r, /*with_growing=*/true);
  ASSERT_TRUE(r.ok() && r.at_end());
  // Both see the same moves, including new ones, and answer the same.
  std::uniform_real_distribution<double> any(0, 400);
  for (int64_t i = 3 * kPointsPerDay; i < 4 * kPointsPerDay; ++i) {
    double v = i % 50 == 0 ? any(rng) : Square(i, 12, &rng);
    ASSERT_EQ(original.Observe(LoginCurve::TimeOf(i), v, false),
              restored.Observe(LoginCurve::TimeOf(i), v, false))
        << i;
  }
  // A previous level out of range is corrupt.
  std::string corrupt = bytes;
  corrupt[4 * 8] = 99;
  ContextOse refused;
  StateReader bad(corrupt);
  refused.Decode(&bad, /*with_growing=*/true);
  EXPECT_FALSE(bad.ok());
  // So is the growing quantisation's (after the frozen one's 49 bytes).
  corrupt = bytes;
  corrupt[4 * 8 + 49] = 99;
  StateReader bad_growing(corrupt);
  refused.Decode(&bad_growing, /*with_growing=*/true);
  EXPECT_FALSE(bad_growing.ok());
  // So is a range whose span overflows (the levels would be NaN).
  std::string wide;
  StateWriter wide_writer(&wide);
  wide_writer.I64(500);
  wide_writer.I64(0);
  wide_writer.F64(-1e308);
  wide_writer.F64(1e308);
  wide.append(bytes.substr(wide.size()));
  ContextOse overflowing;
  StateReader wide_reader(wide);
  overflowing.Decode(&wide_reader, /*with_growing=*/true);
  EXPECT_FALSE(wide_reader.ok());
}

// A long random curve: the store saturates (every move is eventually known) instead of growing,
// the state keeps its size, and the detector's whole state stays within 4 KiB.
TEST(ContextOseTest, BoundedMemoryUnderALongRandomCurve) {
  auto d = *NewDetector("context_ose");
  std::string fresh;
  d->Serialize(&fresh);
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> any(0, 1000);
  std::normal_distribution<double> wild(0, 1e6);
  int novel_late = 0;
  constexpr int64_t kPoints = 500'000;
  for (int64_t i = 0; i < kPoints; ++i) {
    double v = i % 1000 == 0 ? wild(rng) : any(rng);
    Verdict verdict = d->Observe(LoginCurve::TimeOf(i), v);
    if (i >= kPoints - 10 * kPointsPerDay) novel_late += verdict.score >= 0.5;
  }
  EXPECT_EQ(novel_late, 0);
  std::string bytes;
  d->Serialize(&bytes);
  EXPECT_EQ(bytes.size(), fresh.size());
  EXPECT_LE(bytes.size(), 4096u);
}

// A state of the frozen quantisation only (detector state version 4: the same bytes without
// the growing quantisation's) restores with the growing one as its copy: until a value leaves
// the range, both answer as the original does.
TEST(ContextOseTest, FrozenOnlyStateRestoresWithTheGrowingQuantisationAsItsCopy) {
  ContextOse original;
  std::mt19937 rng(17);
  FeedSquare(&original, 0, 3 * kPointsPerDay, 12, &rng);
  std::string bytes;
  StateWriter writer(&bytes);
  original.Encode(&writer);
  constexpr size_t kQuantiserBytes = 2 * 8 + 1 + 32;
  ContextOse restored;
  StateReader r(std::string_view(bytes).substr(0, bytes.size() - kQuantiserBytes));
  restored.Decode(&r, /*with_growing=*/false);
  ASSERT_TRUE(r.ok() && r.at_end());
  for (int64_t i = 3 * kPointsPerDay; i < 4 * kPointsPerDay; ++i) {
    double v = i % 97 == 0 ? 150 : Square(i, 12, &rng);
    ASSERT_EQ(original.Observe(LoginCurve::TimeOf(i), v, false),
              restored.Observe(LoginCurve::TimeOf(i), v, false))
        << i;
  }
}

}  // namespace
}  // namespace vigie::alerts::detectors
