// The seed of a randomized crash test (when to kill what): $VIGIE_CRASH_SEED when set, else a
// fresh random one. Printed on stderr and recorded as the test's `seed` property in every run,
// so that a failure can be replayed with VIGIE_CRASH_SEED=<seed> (scripts/soak.sh does).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <limits>
#include <random>
#include <string>

namespace vigie::testing {

inline unsigned CrashTestSeed() {
  unsigned seed = std::random_device()();
  if (const char* env = std::getenv("VIGIE_CRASH_SEED"); env && *env) {
    char* end = nullptr;
    unsigned long long value = std::strtoull(env, &end, 10);
    if (*end != '\0' || value > std::numeric_limits<unsigned>::max()) {
      ADD_FAILURE() << "VIGIE_CRASH_SEED=\"" << env
                    << "\" is not a seed: give a number from 0 to 4294967295, as printed by a "
                       "previous run";
    } else {
      seed = static_cast<unsigned>(value);
    }
  }
  std::cerr << "crash test seed " << seed << " (replay with VIGIE_CRASH_SEED=" << seed << ")\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace vigie::testing
