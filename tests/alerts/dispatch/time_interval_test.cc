#include "alerts/dispatch/time_interval.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "common/time.h"

namespace vigie::alerts {
namespace {

int64_t Ms(int y, int mo, int d, int h, int mi) { return UtcSeconds(y, mo, d, h, mi, 0) * 1000; }

TimePeriod Parse(const char* yaml) {
  auto p = ParseTimePeriod(YAML::Load(yaml));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : TimePeriod{};
}

TEST(TimeIntervalTest, BusinessHours) {
  TimePeriod p = Parse(R"(
times: [{start_time: "09:00", end_time: "17:00"}]
weekdays: ['monday:friday']
)");
  EXPECT_TRUE(p.Contains(Ms(2024, 5, 6, 9, 0)));     // A Monday, 09:00.
  EXPECT_FALSE(p.Contains(Ms(2024, 5, 6, 17, 0)));   // End excluded.
  EXPECT_FALSE(p.Contains(Ms(2024, 5, 5, 12, 0)));   // Sunday.
  EXPECT_TRUE(p.Contains(Ms(2024, 5, 10, 16, 59)));  // Friday.
}

TEST(TimeIntervalTest, DaysMonthsYearsAndLocation) {
  TimePeriod last_day = Parse("days_of_month: ['-1']");
  EXPECT_TRUE(last_day.Contains(Ms(2024, 2, 29, 12, 0)));
  EXPECT_FALSE(last_day.Contains(Ms(2024, 2, 28, 12, 0)));
  TimePeriod summer = Parse("months: ['june:august']\nyears: ['2024']");
  EXPECT_TRUE(summer.Contains(Ms(2024, 7, 1, 0, 0)));
  EXPECT_FALSE(summer.Contains(Ms(2025, 7, 1, 0, 0)));
  // 08:00 in Paris is 06:00 UTC in summer.
  TimePeriod paris = Parse(R"(
times: [{start_time: "08:00", end_time: "09:00"}]
location: Europe/Paris
)");
  EXPECT_TRUE(paris.Contains(Ms(2024, 7, 1, 6, 30)));
  EXPECT_FALSE(paris.Contains(Ms(2024, 7, 1, 8, 30)));
}

TEST(TimeIntervalTest, RefusesWhatAlertmanagerRefuses) {
  for (const char* yaml :
       {"times: [{start_time: '10:00', end_time: '09:00'}]",
        "times: [{start_time: '25:00', end_time: '26:00'}]", "weekdays: ['friday:monday']",
        "weekdays: ['someday']", "days_of_month: ['0']", "days_of_month: ['-3:5']",
        "months: ['march:january']", "years: ['2025:2024']", "location: Mars/Olympus",
        "hours: ['1']"}) {
    EXPECT_FALSE(ParseTimePeriod(YAML::Load(yaml)).ok()) << yaml;
  }
}

}  // namespace
}  // namespace vigie::alerts
