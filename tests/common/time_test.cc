#include "common/time.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(DurationTest, ParsesPrometheusDurations) {
  EXPECT_EQ(*ParseDuration("90s"), 90 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("30d"), 30LL * 86400 * kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("250ms"), 250 * kNanosPerMilli);
  EXPECT_EQ(*ParseDuration("15"), 15 * kNanosPerSecond);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_FALSE(ParseDuration("h").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999y").ok());
}

TEST(DurationTest, FormatRoundTrips) {
  for (const char* d : {"1h30m", "5m", "30d", "250ms", "1s"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(d)), d);
  }
}

TEST(TimeTest, Rfc3339) {
  EXPECT_EQ(FormatRfc3339Nano(1714564800123456789), "2024-05-01T12:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339Millis(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatRfc3339Millis(1714564800020), "2024-05-01T12:00:00.020Z");
  EXPECT_EQ(FormatRfc3339Millis(1714564800000), "2024-05-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(*ParseTime("2024-05-01T12:00:00.123456789Z"), 1714564800123456789);
  EXPECT_EQ(*ParseTime("2024-05-01T14:00:00+02:00"), 1714564800 * kNanosPerSecond);
  EXPECT_FALSE(ParseTime("2024-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseTime("yesterday").ok());
  absl::StatusOr<int64_t> far = ParseTime("9999-01-01T00:00:00Z");
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.status().message().find("years 1678 to 2261"), absl::string_view::npos)
      << far.status();
  EXPECT_EQ(*ParseTime("2262-01-01T00:00:00Z"), 9214646400 * kNanosPerSecond);
}

TEST(TimeTest, UnixSecondsAndNanos) {
  EXPECT_EQ(*ParseTime("1714564800"), 1714564800 * kNanosPerSecond);
  EXPECT_EQ(*ParseTime("1714564800000000000"), 1714564800 * kNanosPerSecond);
  EXPECT_EQ(*ParseTime("1714564800.5"), 1714564800 * kNanosPerSecond + 500 * kNanosPerMilli);
  EXPECT_FALSE(ParseTime("9999999999").ok()) << "seconds beyond year 2262 overflow int64 ns";
}

}  // namespace
}  // namespace vigie
