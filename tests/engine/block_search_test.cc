// How FilterBlock finds a block's matching lines: through the Hyperscan prefilter of a regex
// without a selective literal, through memmem for a literal, and line by line otherwise. Each way
// must find exactly the lines that the filter accepts one by one.
#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "common/strings.h"
#include "query/logql/block_scan.h"
#include "query/logql/line_filter.h"
#include "query/logql/parser.h"
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

TEST(BlockSearchTest, PrefilterIsExactWhereHyperscanAndRe2Agree) {
  // re2 does not run on the lines these find.
  for (const char* pattern :
       {R"([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)", "a.b", R"(\d{3}-\w+)", "(?i)e(rr|or)",
        "caf\u00e9 [0-9]", R"([\d.]+x)", R"(\[[a-f]\])", "(GET|POST) /", R"(\tx[a-z])"}) {
    std::shared_ptr<const RegexPrefilter> prefilter = RegexPrefilter::Make(re2::RE2(pattern));
    ASSERT_NE(prefilter, nullptr) << pattern;
    EXPECT_TRUE(prefilter->exact()) << pattern;
  }
  // These may match a '\n' (which joins the lines) or mean something else to Hyperscan (\s and
  // [[:space:]] hold the vertical tab there, \v is a class): re2 confirms.
  for (const char* pattern : {"x[^y]z", R"(a\Sb)", "(?s)a.b", R"(\x41b)", R"(a\vb)",
                              "[[:alpha:]]+1", R"(\D\.)", R"([\t-\r]x)"}) {
    std::shared_ptr<const RegexPrefilter> prefilter = RegexPrefilter::Make(re2::RE2(pattern));
    ASSERT_NE(prefilter, nullptr) << pattern;
    EXPECT_FALSE(prefilter->exact()) << pattern;
  }
}

TEST(BlockSearchTest, ExactPrefilterKeepsTheRestOfTheChain) {
  const LineFilter filter =
      Filter({{FilterOp::kRegex, R"([0-9]+\.[0-9]+)"}, {FilterOp::kNotContains, "10."}});
  ASSERT_NE(filter.prefilter(), nullptr);
  ASSERT_TRUE(filter.prefilter()->exact());
  EXPECT_EQ(Found(filter, {"10.0.0.1", "192.168.0.1", "no number", "v1.2"}),
            (std::vector<uint32_t>{1, 3}));
}

// Random lines and random patterns built from pieces that Hyperscan and re2 must read alike:
// the lines FilterBlock finds (Hyperscan alone when exact) are those re2 matches one by one.
TEST(BlockSearchTest, ExactPrefilterFindsWhatRe2Finds) {
  const std::vector<std::string> pieces = {
      "[0-9]+",    R"(\.)",       "[0-9]{2,3}", "a",      "b+", ".", "[a-c]{2}",
      "(x|yz)",    R"(\d)",       R"(\w+)",     "\u00e9", ":",  " ", "(?i)ab",
      "[0-9a-f]*", "(a|[0-9]+)?", R"(\[)",      "_",      "-?"};
  const std::string alphabet[] = {"0",      "1", "7", ".", "a", "b", "A", "B",  "x",     "yz",
                                  "\u00e9", ":", " ", "[", "_", "-", "f", "\t", "\u2603"};
  std::mt19937 rng(12);
  int exact = 0;
  for (int round = 0; round < 300; ++round) {
    std::string pattern;
    for (int k = 1 + rng() % 4; k > 0; --k) pattern += pieces[rng() % pieces.size()];
    absl::StatusOr<LineFilter> filter = LineFilter::Make({{FilterOp::kRegex, pattern}}, Limits());
    if (!filter.ok() || filter->prefilter() == nullptr) continue;
    exact += filter->prefilter()->exact();
    std::vector<std::string> lines(1 + rng() % 60);
    for (std::string& line : lines) {
      for (int k = rng() % 12; k > 0; --k) line += alphabet[rng() % std::size(alphabet)];
    }
    Found(*filter, lines);
    if (testing::Test::HasFailure()) FAIL() << "pattern " << pattern;
  }
  EXPECT_GT(exact, 100);  // The exact path was the one tested.
}

TEST(BlockSearchTest, BlockThatIsNotUtf8IsTestedLineByLine) {
  const LineFilter filter = Filter({{FilterOp::kRegex, "x[^y]z"}});
  ASSERT_NE(filter.prefilter(), nullptr);
  // Invalid bytes (re2's [^y] does not match one).
  EXPECT_EQ(Found(filter, {"x\xffz", "xyz", "xqz"}), (std::vector<uint32_t>{2}));
  // A character split over two lines: the block is valid UTF-8, each line is not.
  EXPECT_EQ(Found(filter, {"xqz", "x\xc3", "\xa9z"}), (std::vector<uint32_t>{0}));
}

TEST(BlockSearchTest, FixedRunsOfAsciiClassesAreClassSequences) {
  for (const char* pattern : {R"([0-9]{3}\.[0-9]{3}\.[0-9]{3}\.[0-9]{3})", R"(\d{4}-\d\d-\d{2,2})",
                              "[a-f0-9]{32}", "[-a]x[b-]", R"([\w.]:\[)", "GET /", "ab",
                              R"([0-9]{3}(\.[0-9]{3}){3})", R"(a\sb)", R"(a\nb)", "(ab)"}) {
    EXPECT_TRUE(ClassSequence::Parse(pattern).has_value()) << pattern;
    std::shared_ptr<const RegexPrefilter> prefilter = RegexPrefilter::Make(re2::RE2(pattern));
    ASSERT_NE(prefilter, nullptr) << pattern;
    EXPECT_TRUE(prefilter->exact() && !prefilter->needs_utf8()) << pattern;
  }
  // What may match a non-ASCII character, more than one length, or depends on the line's ends or
  // flags; and what is too long. Hyperscan (or re2) takes these.
  for (const char* pattern :
       {"[^0-9]", "a+",   "ab?",     "a{2,3}", "a{0}",    "a.b",    "[[:digit:]]x",
        "(?i)ab", "a|b",  "^ab",     "ab$",    R"(\bab)", "\u00e9", R"(\x41)",
        R"(\D)",  "[]a]", "[a-c-e]", "x{65}",  "",        "a{",     "[ab"}) {
    EXPECT_FALSE(ClassSequence::Parse(pattern).has_value()) << pattern;
  }
}

// Lines longer than the 64 bytes compared at a time, with matches across those places, across
// two lines run together, beside bytes that are not UTF-8 and '\n': the lines a ClassSequence
// finds are those re2 matches one by one.
TEST(BlockSearchTest, ClassSequenceFindsWhatRe2Finds) {
  const std::vector<std::string> pieces = {R"(\d)", "[0-9]{3}", R"(\.)", "[a-c]{2}",    R"(\w)",
                                           "[-x_]", "a",        ":",     "[0-9a-f]{5}", R"([\d.])",
                                           "b{2}",  R"(\[)",    " "};
  const std::string alphabet[] = {"0", "1", "7", ".", "a",  "b",    "c",      "x",      "f",  ":",
                                  "-", "_", "[", " ", "\n", "\xff", "\u00e9", "123.45", "ab", "\t"};
  std::mt19937 rng(7);
  int tested = 0;
  for (int round = 0; round < 400; ++round) {
    std::string pattern;
    for (int k = 1 + rng() % 6; k > 0; --k) pattern += pieces[rng() % pieces.size()];
    const LineFilter filter = Filter({{FilterOp::kRegex, pattern}});
    if (filter.prefilter() == nullptr) continue;  // A literal of 3 bytes: memmem's.
    ++tested;
    ASSERT_FALSE(filter.prefilter()->needs_utf8()) << pattern;  // The ClassSequence.
    std::vector<std::string> lines(1 + rng() % 40);
    for (std::string& line : lines) {
      for (int k = rng() % 150; k > 0; --k) line += alphabet[rng() % std::size(alphabet)];
    }
    Found(filter, lines);
    if (testing::Test::HasFailure()) FAIL() << "pattern " << pattern;
  }
  EXPECT_GT(tested, 300);
}

TEST(BlockSearchTest, ClassSequenceFindsTheFirstMatchEnd) {
  const std::optional<ClassSequence> ip = ClassSequence::Parse(R"([0-9]{3}\.[0-9]{2})");
  ASSERT_TRUE(ip.has_value());
  const std::string text = std::string(70, 'x') + "1.23 123.4 999.99 123.45";
  EXPECT_EQ(ip->NextMatchEnd(text, 0), 70 + 17);
  EXPECT_EQ(ip->NextMatchEnd(text, 70 + 17), text.size());
  EXPECT_EQ(ip->NextMatchEnd(text, 70 + 19), ClassSequence::npos);
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

// A pipeline whose label filters imply a literal (| pattern ... | status = "404" keeps only lines
// holding `" 404`) has the block searched for it when the filter has none: the lines kept are
// those the pipeline keeps one by one, the literal cut across two lines or not, with a line
// filter beside it or not, and when the stream's own label makes the literal moot.
TEST(BlockSearchTest, LiteralThatThePipelineImpliesFindsTheLinesItKeeps) {
  const std::vector<std::string> lines = {
      R"(1.2.3.4 "GET /a" 404 1)", R"(1.2.3.4 "GET /b" 200 1)",  R"(x "GET /c" 40)", R"(4 1)",
      R"(" 404 y "GET /d" 404 2)", R"(1.2.3.4 "GET /e" 4044 1)", R"(" 404)",         "",
      R"(z "PUT /f" 404 3)"};
  const std::string pattern = R"(<_> \"<method> <_>\" <status> <_>)";
  for (const std::string& rest :
       {std::string(R"(| status = "404")"), std::string(R"(!= "PUT" | status = "404")"),
        std::string(R"(| status = "404" and method = "GET")")}) {
    for (const char* stream : {R"({a="b"})", R"({status="404"})"}) {
      const std::string query = StrCat(R"({a="b"} | pattern ")", pattern, "\" ", rest);
      absl::StatusOr<Query> parsed = Parse(query, Limits());
      ASSERT_TRUE(parsed.ok()) << query << ": " << parsed.status();
      const LabelSet labels = *LabelSet::Parse(stream);
      std::vector<store::LogEntry> entries;
      for (const std::string& line : lines) entries.push_back({int64_t(entries.size()), line});
      BlockMatches matches;
      ASSERT_TRUE(store::DecodeBlock(store::EncodeBlock(entries), &matches.block).ok());
      matches.pipeline = std::make_unique<StreamPipeline>(parsed->log->pipeline, labels);
      FilterBlock(parsed->log->filter, {0, int64_t(lines.size())}, &matches);
      StreamPipeline one_by_one(parsed->log->pipeline, labels);
      std::vector<uint32_t> kept;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (parsed->log->filter.Matches(lines[i]) && one_by_one.Process(0, lines[i]))
          kept.push_back(i);
      }
      EXPECT_EQ(matches.lines, kept) << query << " on " << stream;
      EXPECT_FALSE(kept.empty()) << query << " on " << stream;
      // The block search, not the pipeline's own check, dropped the lines without the literal.
      if (labels.Get("status").empty()) {
        EXPECT_LT(matches.pipeline->tallies().front().lines_in, lines.size())
            << query << " on " << stream;
      }
    }
  }
}

}  // namespace
}  // namespace vigie::logql
