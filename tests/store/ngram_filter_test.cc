#include "store/ngram_filter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "tests/integration/harness.h"

namespace vigie::store {
namespace {

std::string Build(const std::vector<std::string>& lines) {
  NgramFilterBuilder builder;
  for (const std::string& l : lines) builder.AddLine(l);
  return builder.Finish();
}

std::vector<std::string> ReadLines(const std::string& path, size_t max = SIZE_MAX) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (lines.size() < max && std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string Folded(std::string_view text) {
  std::string out;
  CaseFold(text, &out);
  return out;
}

bool AnyContains(const std::vector<std::string>& lines, std::string_view literal, bool folded) {
  for (const std::string& l : lines) {
    if ((folded ? Folded(l) : l).find(literal) != std::string::npos) return true;
  }
  return false;
}

// Random lines over an alphabet that exercises every path of the builder: digits (the numbers
// section), dotted numbers (the dotted section), both cases of letters, k and s with the Kelvin
// sign and the long s that fold to them, and other UTF-8.
std::string RandomLine(std::mt19937& rng) {
  static const char* const kPieces[] = {"a",
                                        "b",
                                        "k",
                                        "s",
                                        "K",
                                        "S",
                                        "E",
                                        "e",
                                        "r",
                                        "R",
                                        "o",
                                        "0",
                                        "1",
                                        "7",
                                        "9",
                                        ".",
                                        ".",
                                        " ",
                                        " ",
                                        ":",
                                        "-",
                                        "_",
                                        "x",
                                        "INFO",
                                        "info",
                                        "Error",
                                        "disk",
                                        "10.2.3.4",
                                        "173.234.31.186",
                                        "\xE2\x84\xAA",
                                        "\xC5\xBF",
                                        "\xC3\xA9"};
  const size_t pieces = rng() % 40;
  std::string line;
  for (size_t i = 0; i < pieces; ++i) line += kPieces[rng() % std::size(kPieces)];
  return line;
}

// The property the search relies on: whatever the lines, a literal that one of them contains
// (exactly, or in its case-folded form) is never ruled out. Blocks of 1 to 3,000 lines, so that
// every section is sized and folded in many ways; literals cut from the lines (always present) and
// drawn at random (present or not).
TEST(NgramFilterTest, NeverRulesOutAPresentLiteral) {
  std::mt19937 rng(1);
  int checked_present = 0, ruled_out = 0;
  for (int block = 0; block < 120; ++block) {
    std::vector<std::string> lines(1 + rng() % (block % 4 == 0 ? 3000 : 30));
    for (std::string& l : lines) l = RandomLine(rng);
    const std::string filter = Build(lines);
    ASSERT_TRUE(NgramFilterReadable(filter));
    for (int i = 0; i < 300; ++i) {
      const std::string& l = lines[rng() % lines.size()];
      const bool fold = rng() % 2;
      const std::string source = fold ? Folded(l) : l;
      size_t a = rng() % (source.size() + 1), b = rng() % (source.size() + 1);
      if (a > b) std::swap(a, b);
      std::string literal = source.substr(a, b - a);
      if (i % 3 == 0) literal = RandomLine(rng).substr(0, 4 + rng() % 12);  // May be absent.
      if (fold) literal = Folded(literal);
      const bool ascii = std::all_of(literal.begin(), literal.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (fold && !ascii) continue;  // A folded search's literal is ASCII (the analysis's promise).
      const bool present = AnyContains(lines, literal, fold);
      const bool may = NgramFilterMayContain(filter, literal, fold);
      if (present) {
        ++checked_present;
        ASSERT_TRUE(may) << (fold ? "folded " : "") << "literal '" << literal << "' in block "
                         << block;
      } else {
        ruled_out += !may;
      }
    }
  }
  EXPECT_GT(checked_present, 10000);
  EXPECT_GT(ruled_out, 1000);  // And it does rule out.
}

TEST(NgramFilterTest, RulesOutAbsentLiterals) {
  const std::string filter = Build(ReadLines(testing::TestDataPath("loghub/HDFS_2k.log")));
  EXPECT_TRUE(NgramFilterMayContain(filter, "PacketResponder"));
  for (const char* absent : {"Failed password for invalid user", "session opened for user",
                             "mod_jk child workerEnv", "Executor: Running task", "zookeeper"}) {
    EXPECT_FALSE(NgramFilterMayContain(filter, absent)) << absent;
  }
}

// Digits are no longer folded together: one address among a block full of others is told apart.
TEST(NgramFilterTest, TellsOneAddressFromOthers) {
  const std::vector<std::string> lines = ReadLines(testing::TestDataPath("loghub/OpenSSH_2k.log"));
  const std::string filter = Build(lines);
  EXPECT_TRUE(NgramFilterMayContain(filter, "173.234.31.186"));
  EXPECT_TRUE(NgramFilterMayContain(filter, "from 173.234.31.186 port"));
  std::mt19937 rng(2);
  int absent = 0, ruled_out = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string ip = std::to_string(100 + rng() % 156) + "." + std::to_string(rng() % 256) +
                           "." + std::to_string(rng() % 256) + "." +
                           std::to_string(100 + rng() % 156);
    if (AnyContains(lines, ip, false)) {
      EXPECT_TRUE(NgramFilterMayContain(filter, ip)) << ip;
      continue;
    }
    ++absent;
    ruled_out += !NgramFilterMayContain(filter, ip);
  }
  EXPECT_GT(ruled_out, absent * 95 / 100) << ruled_out << " of " << absent;
}

TEST(NgramFilterTest, CaseFoldedSearches) {
  const std::string filter = Build({"2024-01-01 ERROR Disk full on /dev/sda1", "retrying",
                                    "dis\xE2\x84\xAA quota \xC5\xBF"
                                    "tale"});
  // Exact grams stay exact: "info" in a block does not answer "INFO".
  const std::string info = Build({"an info line", "another info line"});
  EXPECT_FALSE(NgramFilterMayContain(info, "INFO"));
  EXPECT_TRUE(NgramFilterMayContain(info, "info", /*case_folded=*/true));
  EXPECT_TRUE(NgramFilterMayContain(filter, "error", true));
  EXPECT_TRUE(NgramFilterMayContain(filter, "error disk full", true));
  EXPECT_TRUE(NgramFilterMayContain(filter, "retrying", true));
  // The Kelvin sign folds to k, the long s to s, as re2's (?i) matches them.
  EXPECT_TRUE(NgramFilterMayContain(filter, "disk quota stale", true));
  EXPECT_FALSE(NgramFilterMayContain(filter, "warning", true));
  EXPECT_FALSE(NgramFilterMayContain(filter, "error", false));
  EXPECT_TRUE(NgramFilterMayContain(filter, "ERROR", false));
  // Grams mixing letters and digits are held exact: a folded search cannot test them.
  EXPECT_TRUE(NgramFilterMayContain(filter, "sda1", true));
  // A folded search for what is not lower-case ASCII cannot be answered.
  EXPECT_TRUE(NgramFilterMayContain(filter, "WARNING", true));
  EXPECT_TRUE(NgramFilterMayContain(filter, "caf\xC3\xA9", true));
}

TEST(NgramFilterTest, SizeStaysUnderItsShareOfTheBlock) {
  for (const char* sample : {"Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "OpenStack"}) {
    const std::vector<std::string> lines =
        ReadLines(testing::TestDataPath(std::string("loghub/") + sample + "_2k.log"));
    size_t raw = 0;
    for (const std::string& l : lines) raw += l.size();
    EXPECT_LE(Build(lines).size(), raw * 14 / 1000 + 4) << sample;
  }
  // A small block gets at least 1 KiB (and its sections shrink to what they hold).
  EXPECT_LE(Build({"tiny"}).size(), 4u + 3 * 8);
  EXPECT_LE(Build({std::string(4000, 'x') + "yz"}).size(), 4u + 1024);
}

TEST(NgramFilterTest, AbsentUnreadableOrShortMayContain) {
  EXPECT_TRUE(NgramFilterMayContain("", "anything"));
  const std::string filter = Build({"abcdef"});
  EXPECT_TRUE(NgramFilterMayContain(filter, "zz"));
  EXPECT_FALSE(NgramFilterMayContain(filter, "zzzz"));
  // Damaged: a section size the value does not hold, or an unknown tag.
  std::string cut = filter.substr(0, filter.size() - 1);
  EXPECT_FALSE(NgramFilterReadable(cut));
  EXPECT_TRUE(NgramFilterMayContain(cut, "zzzz"));
  std::string tagged = filter;
  tagged[0] = 7;
  EXPECT_FALSE(NgramFilterReadable(tagged));
  EXPECT_TRUE(NgramFilterMayContain(tagged, "zzzz"));
}

// A filter written by storage format version 4 (digits folded, 8 KiB, no case-folded grams):
// still read, still rules literals out; a case-folded question gets "maybe".
TEST(NgramFilterTest, VersionFourFiltersStillFilter) {
  std::ifstream in(testing::TestDataPath("ngram_filter_v4/openssh_300.bin"), std::ios::binary);
  const std::string filter((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(filter.size(), 8192u);
  EXPECT_TRUE(NgramFilterReadable(filter));
  const std::vector<std::string> lines =
      ReadLines(testing::TestDataPath("loghub/OpenSSH_2k.log"), 300);
  std::mt19937 rng(3);
  for (int i = 0; i < 3000; ++i) {
    const std::string& l = lines[rng() % lines.size()];
    size_t a = rng() % (l.size() + 1), b = rng() % (l.size() + 1);
    if (a > b) std::swap(a, b);
    ASSERT_TRUE(NgramFilterMayContain(filter, l.substr(a, b - a))) << l.substr(a, b - a);
  }
  EXPECT_FALSE(NgramFilterMayContain(filter, "PacketResponder"));
  EXPECT_FALSE(NgramFilterMayContain(filter, "zookeeper"));
  EXPECT_TRUE(NgramFilterMayContain(filter, "zookeeper", /*case_folded=*/true));
}

}  // namespace
}  // namespace vigie::store
