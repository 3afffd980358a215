// The detectors on synthetic curves with known truth (synthetic.h): what a user of an
// `anomaly:` rule relies on.
#include "alerts/detectors/detector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tests/alerts/detectors/synthetic.h"

namespace vigie::alerts::detectors {
namespace {

using testing::kPointsPerDay;
using testing::LoginCurve;

std::unique_ptr<Detector> Make(std::string_view name = kDefaultDetector) {
  absl::StatusOr<std::unique_ptr<Detector>> d = NewDetector(name);
  EXPECT_TRUE(d.ok()) << d.status();
  return *std::move(d);
}

// Feeds points [from, to) of the curve; returns how many fired a medium rule of `direction`.
int Feed(Detector* d, LoginCurve* curve, int64_t from, int64_t to,
         Direction direction = Direction::kBoth) {
  int fired = 0;
  for (int64_t i = from; i < to; ++i) {
    double v = curve->Next(i);
    if (Fires(d->Observe(LoginCurve::TimeOf(i), v), v, direction, Sensitivity::kMedium)) ++fired;
  }
  return fired;
}

TEST(DetectorTest, DailyPatternRaisesNothingAfterWarmUp) {
  for (const std::string& name : DetectorNames()) {
    auto d = Make(name);
    LoginCurve curve;
    Feed(d.get(), &curve, 0, 3 * kPointsPerDay);
    EXPECT_EQ(Feed(d.get(), &curve, 3 * kPointsPerDay, 28 * kPointsPerDay), 0) << name;
  }
}

TEST(DetectorTest, LearningUntilADayAndAHundredPoints) {
  auto d = Make();
  LoginCurve curve;
  Verdict v;
  for (int64_t i = 0; i < kPointsPerDay; ++i) {
    v = d->Observe(LoginCurve::TimeOf(i), curve.Next(i));
    ASSERT_TRUE(v.learning) << i;
  }
  v = d->Observe(LoginCurve::TimeOf(kPointsPerDay), curve.Next(kPointsPerDay));
  EXPECT_FALSE(v.learning);
}

// A Tuesday 21:00 at the 04:00 level: far below the evening band, though normal at night.
TEST(DetectorTest, EveningDipFlaggedThatWouldBeNormalAtNight) {
  auto d = Make();
  LoginCurve curve;
  int64_t tuesday = 15 * kPointsPerDay;  // third week's Tuesday 00:00
  Feed(d.get(), &curve, 0, tuesday);
  int64_t four_am = tuesday + 4 * 12, nine_pm = tuesday + 21 * 12;
  // At 04:00 the night level is inside the band.
  Verdict night = d->Observe(LoginCurve::TimeOf(four_am - 1), curve.Next(four_am - 1));
  double night_level = curve.Normal(four_am);
  EXPECT_FALSE(Feed(d.get(), &curve, four_am, nine_pm) > 0);
  EXPECT_LT(night.lower, night_level + 20);
  // At 21:00 the same level is flagged as a drop, with a band well above it.
  Verdict v = d->Observe(LoginCurve::TimeOf(nine_pm), night_level);
  EXPECT_TRUE(Fires(v, night_level, Direction::kDown, Sensitivity::kMedium)) << v.score;
  EXPECT_FALSE(Fires(v, night_level, Direction::kUp, Sensitivity::kMedium));
  EXPECT_GT(v.lower, night_level + 100);
  EXPECT_NEAR(v.expected, curve.Normal(nine_pm), 40);
}

TEST(DetectorTest, LevelShiftFlaggedOnceThenLearned) {
  auto d = Make();
  LoginCurve curve;
  int64_t shift_at = 14 * kPointsPerDay + 10 * 12;  // Monday 10:00 of week three
  Feed(d.get(), &curve, 0, shift_at);
  int fired_first_hour = 0, fired_later = 0;
  for (int64_t i = shift_at; i < shift_at + 7 * kPointsPerDay; ++i) {
    double v = curve.Next(i) + 150;
    bool fired =
        Fires(d->Observe(LoginCurve::TimeOf(i), v), v, Direction::kUp, Sensitivity::kMedium);
    (i < shift_at + 12 ? fired_first_hour : fired_later) += fired;
  }
  EXPECT_GE(fired_first_hour, 1);
  // Re-learned: a few more points while the level moves, then quiet for the week.
  EXPECT_LE(fired_later, 12);
}

// An outage and its recovery are one episode: the onset score (what NAB scores) marks its
// first point only, while the score stays high for the rules; after a quiet day, the next
// anomaly has an onset of its own.
TEST(DetectorTest, EpisodeHasOneOnsetWhileTheScoreStaysHigh) {
  auto d = Make();
  LoginCurve curve;
  int64_t outage = 14 * kPointsPerDay + 18 * 12;  // Monday 18:00 of week three
  int64_t recovery = outage + 2 * 12;             // two hours later
  EXPECT_EQ(Feed(d.get(), &curve, 0, outage), 0);
  int onsets = 0, high_first_half_hour = 0;
  for (int64_t i = outage; i < recovery + kPointsPerDay; ++i) {
    double v = i < recovery ? 0.1 * curve.Normal(i) : curve.Next(i);
    Verdict verdict = d->Observe(LoginCurve::TimeOf(i), v);
    onsets += verdict.onset >= 0.5;
    if (i == outage) EXPECT_EQ(verdict.onset, verdict.score);
    if (i < outage + 6) high_first_half_hour += verdict.score >= 0.5;
  }
  EXPECT_EQ(onsets, 1);
  EXPECT_EQ(high_first_half_hour, 6);
  int64_t spike = recovery + kPointsPerDay;
  Verdict v = d->Observe(LoginCurve::TimeOf(spike), 3000);
  EXPECT_GE(v.onset, 0.5);
  EXPECT_EQ(v.onset, v.score);
  v = d->Observe(LoginCurve::TimeOf(spike + 1), 3000);
  EXPECT_GE(v.score, 0.5);
  EXPECT_EQ(v.onset, 0);
}

TEST(DetectorTest, SpikeFlaggedAndDoesNotWidenTheBandForTheNextDays) {
  auto d = Make();
  LoginCurve curve;
  int64_t noon = 12 * 12;
  int64_t spike_at = 16 * kPointsPerDay + noon;
  Feed(d.get(), &curve, 0, spike_at - kPointsPerDay);
  Verdict before = d->Observe(LoginCurve::TimeOf(spike_at - kPointsPerDay),
                              curve.Next(spike_at - kPointsPerDay));
  Feed(d.get(), &curve, spike_at - kPointsPerDay + 1, spike_at);
  Verdict spike = d->Observe(LoginCurve::TimeOf(spike_at), 3000);
  EXPECT_TRUE(Fires(spike, 3000, Direction::kUp, Sensitivity::kHigh));
  EXPECT_TRUE(Fires(spike, 3000, Direction::kUp, Sensitivity::kLow));
  // The spike's own hour may still score high; the days after may not.
  Feed(d.get(), &curve, spike_at + 1, spike_at + 12);
  for (int day = 1; day <= 3; ++day) {
    int64_t at = spike_at + day * kPointsPerDay;
    int64_t from = day == 1 ? spike_at + 12 : at - kPointsPerDay + 1;
    EXPECT_EQ(Feed(d.get(), &curve, from, at), 0) << "day " << day;
    Verdict v = d->Observe(LoginCurve::TimeOf(at), curve.Next(at));
    EXPECT_NEAR(v.upper - v.lower, before.upper - before.lower,
                0.25 * (before.upper - before.lower))
        << "day " << day;
    EXPECT_NEAR(v.expected, before.expected, 25) << "day " << day;
  }
}

// A nightly job: the same spike at 02:00 every day is flagged the first night, and is within
// the band once it has recurred; the same spike at 14:00 is still flagged, and so is a nightly
// spike three times the usual one.
TEST(DetectorTest, SpikeRecurringDailyIsLearned) {
  auto d = Make();
  LoginCurve curve;
  int64_t night = 2 * 12;  // 02:00
  auto value = [&](int64_t i) {
    int64_t day = i / kPointsPerDay;
    bool job = day >= 7 && i % kPointsPerDay >= night && i % kPointsPerDay < night + 2;
    return curve.Next(i) + (job ? (day == 12 ? 900 : 300) : 0);
  };
  std::vector<bool> nightly_fired;
  for (int64_t i = 0; i < 14 * kPointsPerDay; ++i) {
    double v = value(i);
    Verdict verdict = d->Observe(LoginCurve::TimeOf(i), v);
    if (i >= 7 * kPointsPerDay && i % kPointsPerDay == night) {
      nightly_fired.push_back(Fires(verdict, v, Direction::kUp, Sensitivity::kMedium));
    }
  }
  ASSERT_EQ(nightly_fired.size(), 7u);
  EXPECT_TRUE(nightly_fired[0]);  // day 7: the first night
  EXPECT_FALSE(nightly_fired[3]);
  EXPECT_FALSE(nightly_fired[4]);
  EXPECT_TRUE(nightly_fired[5]);  // day 12: three times the usual spike
  EXPECT_FALSE(nightly_fired[6]);
  int64_t afternoon = 14 * kPointsPerDay + 14 * 12;
  Feed(d.get(), &curve, 14 * kPointsPerDay, afternoon);
  double v = curve.Normal(afternoon) + 300;
  EXPECT_TRUE(
      Fires(d->Observe(LoginCurve::TimeOf(afternoon), v), v, Direction::kUp, Sensitivity::kMedium));
}

// Weekends at a third of weekdays: after a few weeks the weekly shape is detected, so a
// weekend-sized Wednesday evening is flagged while real weekends are not.
TEST(DetectorTest, WeeklySeasonalityDetected) {
  auto d = Make();
  LoginCurve curve(/*weekend_factor=*/0.3);
  int64_t wednesday = 28 * kPointsPerDay + 2 * kPointsPerDay;
  // Before the weekly shape is known, weekends may look like drops.
  Feed(d.get(), &curve, 0, 21 * kPointsPerDay);
  EXPECT_EQ(Feed(d.get(), &curve, 21 * kPointsPerDay, wednesday), 0);
  int64_t evening = wednesday + 20 * 12;
  Feed(d.get(), &curve, wednesday, evening);
  double weekend_level = 0.3 * curve.Normal(evening);
  Verdict v = d->Observe(LoginCurve::TimeOf(evening), weekend_level);
  EXPECT_TRUE(Fires(v, weekend_level, Direction::kDown, Sensitivity::kMedium)) << v.score;
}

TEST(DetectorTest, MissingAndBadPointsAreSkippedWithoutEffect) {
  auto clean = Make(), dirty = Make();
  LoginCurve a, b;
  for (int64_t i = 0; i < 3 * kPointsPerDay; ++i) {
    int64_t t = LoginCurve::TimeOf(i);
    double va = a.Next(i), vb = b.Next(i);
    if (i % 50 == 7) {
      for (double bad :
           {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
            -std::numeric_limits<double>::infinity()}) {
        Verdict v = dirty->Observe(t, bad);
        EXPECT_TRUE(v.skipped);
        EXPECT_EQ(v.score, 0);
      }
    }
    Verdict x = clean->Observe(t, va), y = dirty->Observe(t, vb);
    ASSERT_EQ(x.score, y.score) << i;
    ASSERT_EQ(x.expected, y.expected) << i;
    if (i > 0 && i % 50 == 9) EXPECT_TRUE(dirty->Observe(t - 3 * testing::kStepMs, 1e9).skipped);
  }
}

TEST(DetectorTest, GapIsReportedAndLearningGoesOn) {
  auto d = Make();
  LoginCurve curve;
  Feed(d.get(), &curve, 0, 4 * kPointsPerDay);
  int64_t after = 4 * kPointsPerDay + 6 * 12;  // six hours without data
  Verdict v = d->Observe(LoginCurve::TimeOf(after), curve.Normal(after));
  EXPECT_TRUE(v.after_gap);
  EXPECT_LT(v.score, ScoreThreshold(Sensitivity::kHigh));
}

TEST(DetectorTest, HugeValuesNeitherCrashNorPoison) {
  auto d = Make();
  LoginCurve curve;
  Feed(d.get(), &curve, 0, 3 * kPointsPerDay);
  for (double huge : {1e308, -1e308, std::numeric_limits<double>::max(),
                      std::numeric_limits<double>::denorm_min()}) {
    Verdict v = d->Observe(LoginCurve::TimeOf(3 * kPointsPerDay), huge);
    EXPECT_TRUE(std::isfinite(v.score) && v.score >= 0 && v.score <= 1);
    EXPECT_TRUE(std::isfinite(v.lower) && std::isfinite(v.upper));
  }
  EXPECT_LE(Feed(d.get(), &curve, 3 * kPointsPerDay + 1, 5 * kPointsPerDay), 12);
}

// A job that switched a resource on and off every hour starts flapping every 20 minutes: the
// values stay inside the band (the same two levels), the pattern is new. `context` sees it and
// so does `combined`; neither fires before, on weeks of the hourly pattern.
TEST(DetectorTest, ChangeOfPatternInsideTheBandIsFlagged) {
  for (std::string_view name : {"context", "combined"}) {
    SCOPED_TRACE(name);
    auto d = Make(name);
    std::mt19937 rng(11);
    std::normal_distribution<double> noise(0.0, 2.0);
    auto square = [&](int64_t i, int64_t period) {
      return (i % period < period / 2 ? 100.0 : 200.0) + noise(rng);
    };
    int64_t change = 14 * kPointsPerDay;
    int fired_before = 0, fired_after = 0;
    for (int64_t i = 0; i < change + 12; ++i) {
      double v = square(i, i < change ? 12 : 4);
      bool fired =
          Fires(d->Observe(LoginCurve::TimeOf(i), v), v, Direction::kBoth, Sensitivity::kMedium);
      (i < change ? fired_before : fired_after) += fired;
    }
    EXPECT_EQ(fired_before, 0);
    EXPECT_GE(fired_after, 1);
  }
}

TEST(DetectorTest, FlatLineOfAMovingCurveIsFlagged) {
  auto d = Make();
  LoginCurve curve;
  int64_t at = 10 * kPointsPerDay + 12 * 12;
  Feed(d.get(), &curve, 0, at);
  double stuck = curve.Normal(at);
  int fired = 0;
  for (int64_t i = at; i < at + 24; ++i) {
    fired += Fires(d->Observe(LoginCurve::TimeOf(i), stuck), stuck, Direction::kBoth,
                   Sensitivity::kMedium);
  }
  EXPECT_GE(fired, 1);
}

TEST(DetectorTest, BandForSensitivityNestsAndFiresFollowsDirection) {
  Verdict v;
  v.learning = false;
  v.expected = 100;
  v.lower = 80;
  v.upper = 120;
  v.score = 0.6;
  Band high = BandFor(v, Sensitivity::kHigh), low = BandFor(v, Sensitivity::kLow);
  EXPECT_DOUBLE_EQ(high.lower, 80);
  EXPECT_LT(low.lower, high.lower);
  EXPECT_GT(low.upper, high.upper);
  EXPECT_TRUE(Fires(v, 130, Direction::kUp, Sensitivity::kMedium));
  EXPECT_FALSE(Fires(v, 130, Direction::kDown, Sensitivity::kMedium));
  EXPECT_FALSE(Fires(v, 130, Direction::kBoth, Sensitivity::kLow));
  v.learning = true;
  EXPECT_FALSE(Fires(v, 130, Direction::kBoth, Sensitivity::kHigh));
  EXPECT_TRUE(ParseDirection("down").ok());
  EXPECT_FALSE(ParseDirection("sideways").ok());
  EXPECT_EQ(*ParseSensitivity("low"), Sensitivity::kLow);
  EXPECT_FALSE(ParseSensitivity("extreme").ok());
  EXPECT_FALSE(NewDetector("nope").ok());
  EXPECT_EQ(DetectorNames().front(), kDefaultDetector);
}

}  // namespace
}  // namespace vigie::alerts::detectors
