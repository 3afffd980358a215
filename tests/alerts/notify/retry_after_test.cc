#include "alerts/notify/retry_after.h"

#include <gtest/gtest.h>

namespace vigie::alerts::notify {
namespace {

// Sun, 06 Dec 2026 20:41:00 GMT
constexpr int64_t kNow = 1796589660000;

TEST(RetryAfterTest, SecondsAndTheThreeDateForms) {
  EXPECT_EQ(ParseRetryAfter("2", kNow), 2000);
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), 120000);
  EXPECT_EQ(ParseRetryAfter("0", kNow), 0);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Dec 2026 20:41:05 GMT", kNow), 5000);
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Dec-26 20:41:05 GMT", kNow), 5000);
  EXPECT_EQ(ParseRetryAfter("Sun Dec  6 20:41:05 2026", kNow), 5000);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Dec 2026 20:40:00 GMT", kNow), 0);  // Past: at once.
}

TEST(RetryAfterTest, RefusesWhatIsNeither) {
  EXPECT_FALSE(ParseRetryAfter("", kNow));
  EXPECT_FALSE(ParseRetryAfter("-1", kNow));
  EXPECT_FALSE(ParseRetryAfter("1.5", kNow));
  EXPECT_FALSE(ParseRetryAfter("soon", kNow));
  EXPECT_FALSE(ParseRetryAfter("99999999999999999999", kNow));
}

}  // namespace
}  // namespace vigie::alerts::notify
