// How FilterBlock finds a block's matching lines: through the Hyperscan prefilter of a regex
// without a selective literal, through memmem for a literal, and line by line otherwise. Each way
// must find exactly the lines that the filter accepts one by one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/logql/block_scan.h"
#include "query/logql/line_filter.h"
#include "query/logql/regex_prefilter.h"
#include "store/block.h"

namespace vigie::logql {
namespace {

LineFilter Filter(std::vector<LineFilterSpec> specs) {
  absl::StatusOr<LineFilter> filter = LineFilter::Make(std::move(specs), Limits());
  EXPECT_TRUE(filter.ok()) << filter.status();
  return *std::move(filter);
}

// The indexes of the lines FilterBlock finds, and (checked here) those that pass one by one.
std::vector<uint32_t> Found(const LineFilter& filter, const std::vector<std::string>& lines) {
  std::vector<store::LogEntry> entries;
  for (const std::string& line : lines) entries.push_back({int64_t(entries.size()), line});
  BlockMatches matches;
  EXPECT_TRUE(store::DecodeBlock(store::EncodeBlock(entries), &matches.block).ok());
  FilterBlock(filter, {0, int64_t(lines.size())}, &matches);
  std::vector<uint32_t> one_by_one;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (filter.Matches(lines[i])) one_by_one.push_back(i);
  }
  EXPECT_EQ(matches.lines, one_by_one);
  return matches.lines;
}

TEST(BlockSearchTest, RegexWithoutASelectiveLiteralGetsAPrefilter) {
  // "." is the only literal these require: nearly every line holds one.
  EXPECT_NE(Filter({{FilterOp::kRegex, R"([0-9]{3}\.[0-9]{3})"}}).prefilter(), nullptr);
  EXPECT_NE(Filter({{FilterOp::kRegex, "(?i)e(rr|or)"}}).prefilter(), nullptr);
  // A literal of three bytes or more is searched for with memmem instead, or up to case.
  EXPECT_EQ(Filter({{FilterOp::kRegex, "(?i)err(or)?"}}).prefilter(), nullptr);
  EXPECT_EQ(Filter({{FilterOp::kRegex, "[0-9]+"}, {FilterOp::kContains, "GET"}}).prefilter(),
            nullptr);
  // Negated filters and alternatives say nothing of the lines that pass.
  EXPECT_EQ(Filter({{FilterOp::kNotRegex, "[0-9]+"}}).prefilter(), nullptr);
  EXPECT_EQ(Filter({{FilterOp::kRegex, "[0-9]+", false, {{"[a-f]+"}}}}).prefilter(), nullptr);
}

TEST(BlockSearchTest, PatternsThatLinesRunTogetherWouldChangeAreNotPrefiltered) {
  for (const char* pattern : {"^GET", "end$", R"(\bword)", R"(x\B)", R"(\Afirst)", R"(last\z)",
                              "(?i)sk", "(?i)caf\u00e9", R"((?i)[a-z]+)"}) {
    EXPECT_EQ(RegexPrefilter::Make(re2::RE2(pattern)), nullptr) << pattern;
  }
  // Nor a pattern whose program is large: Hyperscan would take long to compile it.
  EXPECT_EQ(RegexPrefilter::Make(re2::RE2(".{100}x")), nullptr);
  // The same lines are found either way.
  EXPECT_EQ(Found(Filter({{FilterOp::kRegex, "^GET"}}), {"GET /", " GET /", "xGET"}),
            std::vector<uint32_t>{0});
}

TEST(BlockSearchTest, PrefilterFindsExactlyTheMatchingLines) {
  const LineFilter ip = Filter({{FilterOp::kRegex, R"([0-9]{3}\.[0-9]{3}\.[0-9]{3})"}});
  ASSERT_NE(ip.prefilter(), nullptr);
  EXPECT_EQ(
      Found(ip, {"from 192.168.100.7", "no address", "10.0.0.1", "123.456.789 and 111.222.333", "",
                 "ends with 123.", "456.789 (split over two lines)"}),
      (std::vector<uint32_t>{0, 3}));
  // "." is a character, not a byte (é is two); a match across two lines is not one.
  const LineFilter dot = Filter({{FilterOp::kRegex, "a.b"}});
  ASSERT_NE(dot.prefilter(), nullptr);
  EXPECT_EQ(Found(dot, {"a\u00e9b", "xa", "-b", "a\nb", "zzazb"}), (std::vector<uint32_t>{0, 4}));
  // ASCII case folding.
  EXPECT_EQ(Found(Filter({{FilterOp::kRegex, "(?i)err(or)?"}}), {"ERROR x", "fine", "Err"}),
            (std::vector<uint32_t>{0, 2}));
}

TEST(BlockSearchTest, BlockThatIsNotUtf8IsTestedLineByLine) {
  const LineFilter filter = Filter({{FilterOp::kRegex, "x[^y]z"}});
  ASSERT_NE(filter.prefilter(), nullptr);
  // Invalid bytes (re2's [^y] does not match one).
  EXPECT_EQ(Found(filter, {"x\xffz", "xyz", "xqz"}), (std::vector<uint32_t>{2}));
  // A character split over two lines: the block is valid UTF-8, each line is not.
  EXPECT_EQ(Found(filter, {"xqz", "x\xc3", "\xa9z"}), (std::vector<uint32_t>{0}));
}

TEST(BlockSearchTest, LoneLiteralFindsTheLinesThatHoldIt) {
  // A hit across two lines run together is no match; the same line may hold the literal twice,
  // or later after a false start.
  const std::vector<std::string> lines = {"xIN", "FOy", "INFO INFO", "INF", "O", "a INFINFO", ""};
  EXPECT_EQ(Found(Filter({{FilterOp::kContains, "INFO"}}), lines), (std::vector<uint32_t>{2, 5}));
  // Beside another filter, each hit is checked against the whole chain.
  EXPECT_EQ(Found(Filter({{FilterOp::kContains, "INFO"}, {FilterOp::kNotContains, "a "}}), lines),
            std::vector<uint32_t>{2});
}

}  // namespace
}  // namespace vigie::logql
