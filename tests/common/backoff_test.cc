#include "common/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace vigie {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheMaximumWithJitterAndRestartsAfterASuccess) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Backoff backoff(milliseconds(100), milliseconds(1000), seed);
    for (int64_t base : {100, 200, 400, 800, 1000, 1000}) {
      milliseconds delay = backoff.Next();
      EXPECT_GE(delay.count(), base / 2) << "seed " << seed;
      EXPECT_LE(delay.count(), base) << "seed " << seed;
    }
    backoff.Reset();
    EXPECT_LE(backoff.Next().count(), 100);
  }
}

TEST(Backoff, SpreadsClientsThatFailTogether) {
  std::set<int64_t> first_delays;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    first_delays.insert(Backoff(milliseconds(1000), milliseconds(10000), seed).Next().count());
  }
  EXPECT_GT(first_delays.size(), 10u);
}

}  // namespace
}  // namespace vigie
