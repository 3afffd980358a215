#include "server/stream_budgets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::server {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000'000;

Limits SmallLimits() {
  Limits limits;
  limits.max_streams_per_sender = 2;
  limits.stream_idle_ns = 10 * kSecond;
  limits.max_senders = 2;
  return limits;
}

TEST(StreamBudgetsTest, EachSenderHasItsOwnBudgetReleasedWhenItsStreamsAreIdle) {
  StreamBudgets budgets(SmallLimits());
  EXPECT_TRUE(budgets.Admit("a", "org \"a\"", 1, 0).ok());
  EXPECT_TRUE(budgets.Admit("a", "org \"a\"", 2, 1 * kSecond).ok());
  absl::Status full = budgets.Admit("a", "org \"a\"", 3, 2 * kSecond);
  EXPECT_TRUE(absl::IsResourceExhausted(full));
  EXPECT_EQ(full.message(),
            "org \"a\" has 2 active streams (--max-streams-per-sender); a stream stops counting "
            "once it has had no entry for 10s (--stream-idle-timeout)");
  EXPECT_TRUE(budgets.Admit("b", "org \"b\"", 3, 2 * kSecond).ok());  // Not a's budget.
  EXPECT_TRUE(budgets.Admit("a", "org \"a\"", 1, 5 * kSecond).ok());  // Known: no new budget.
  // Stream 2 has been idle for 10 s; stream 1 has not (written at 5 s).
  EXPECT_FALSE(budgets.Admit("a", "org \"a\"", 3, 10 * kSecond + kSecond - 1).ok());
  EXPECT_TRUE(budgets.Admit("a", "org \"a\"", 3, 11 * kSecond).ok());
  EXPECT_FALSE(budgets.Admit("a", "org \"a\"", 2, 11 * kSecond).ok());
}

TEST(StreamBudgetsTest, SendersAreBoundedAndForgottenWhenIdle) {
  StreamBudgets budgets(SmallLimits());
  EXPECT_TRUE(budgets.Admit("a", "a", 1, 0).ok());
  EXPECT_TRUE(budgets.Admit("b", "b", 1, 0).ok());
  absl::Status full = budgets.Admit("c", "peer 10.0.0.3", 1, 5 * kSecond);
  EXPECT_TRUE(absl::IsResourceExhausted(full));
  EXPECT_THAT(full.message(), HasSubstr("2 senders with active streams (--max-senders)"));
  EXPECT_THAT(full.message(), HasSubstr("peer 10.0.0.3"));
  EXPECT_TRUE(budgets.Admit("b", "b", 1, 5 * kSecond).ok());
  EXPECT_TRUE(budgets.Admit("c", "c", 1, 10 * kSecond).ok());   // a is idle, and forgotten.
  EXPECT_FALSE(budgets.Admit("a", "a", 1, 10 * kSecond).ok());  // b and c are active.
}

}  // namespace
}  // namespace vigie::server
