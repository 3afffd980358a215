#include "store/ngram_filter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/integration/harness.h"

namespace vigie::store {
namespace {

TEST(NgramFilterTest, NeverRulesOutAPresentLiteral) {
  NgramFilterBuilder builder;
  std::vector<std::string> lines = {"Failed password for invalid user admin from 10.0.0.1",
                                    "Accepted publickey for root", "x"};
  for (const auto& l : lines) builder.AddLine(l);
  std::string filter = builder.Finish();
  std::mt19937 rng(1);
  for (const auto& l : lines) {
    for (int i = 0; i < 200; ++i) {
      size_t a = rng() % (l.size() + 1), b = rng() % (l.size() + 1);
      if (a > b) std::swap(a, b);
      EXPECT_TRUE(NgramFilterMayContain(filter, l.substr(a, b - a))) << l.substr(a, b - a);
    }
  }
  // Digits are folded: another number of the same shape may be there.
  EXPECT_TRUE(NgramFilterMayContain(filter, "from 20.9.3.7"));
}

TEST(NgramFilterTest, RulesOutAbsentLiterals) {
  NgramFilterBuilder builder;
  std::ifstream in(testing::TestDataPath("loghub/HDFS_2k.log"));
  std::string line;
  while (std::getline(in, line)) builder.AddLine(line);
  std::string filter = builder.Finish();
  EXPECT_TRUE(NgramFilterMayContain(filter, "PacketResponder"));
  int ruled_out = 0;
  for (const char* absent : {"Failed password for invalid user", "session opened for user",
                             "mod_jk child workerEnv", "Executor: Running task", "zookeeper"}) {
    ruled_out += !NgramFilterMayContain(filter, absent);
  }
  EXPECT_EQ(ruled_out, 5);
}

TEST(NgramFilterTest, AbsentFilterOrShortLiteralMayContain) {
  EXPECT_TRUE(NgramFilterMayContain("", "anything"));
  NgramFilterBuilder builder;
  builder.AddLine("abcdef");
  std::string filter = builder.Finish();
  EXPECT_TRUE(NgramFilterMayContain(filter, "zz"));
  EXPECT_FALSE(NgramFilterMayContain(filter, "zzzz"));
}

}  // namespace
}  // namespace vigie::store
