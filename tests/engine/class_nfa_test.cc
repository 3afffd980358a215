// Regexes without a literal run as bit-parallel automata over a block's bytes (ClassNfa) and the
// tree of re2's syntax they are read from (ByteRegex): which patterns take that path, and that the
// lines it finds are exactly those re2 matches, over random patterns of every shape it accepts
// and random lines (long ones, several characters of several bytes, '\n' inside a line, bytes
// that are not UTF-8).
#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "query/logql/block_scan.h"
#include "query/logql/byte_regex.h"
#include "query/logql/class_nfa.h"
#include "query/logql/class_sequence.h"
#include "query/logql/line_filter.h"
#include "query/logql/regex_prefilter.h"
#include "re2/re2.h"
#include "store/block.h"

namespace vigie::logql {
namespace {

std::optional<ClassNfa> Nfa(std::string_view pattern) {
  std::optional<ByteRegex> tree = ByteRegex::Parse(pattern);
  return tree ? ClassNfa::Make(*tree) : std::nullopt;
}

store::DecodedBlock Block(const std::vector<std::string>& lines) {
  std::vector<store::LogEntry> entries;
  for (const std::string& line : lines) entries.push_back({int64_t(entries.size()), line});
  store::DecodedBlock block;
  EXPECT_TRUE(store::DecodeBlock(store::EncodeBlock(entries), &block).ok());
  return block;
}

// The lines in [first, last) that the automaton finds, and (checked here) those re2 matches.
std::vector<size_t> Found(const ClassNfa& nfa, const re2::RE2& re,
                          const std::vector<std::string>& lines, size_t first, size_t last) {
  const store::DecodedBlock block = Block(lines);
  std::vector<size_t> found, expected;
  nfa.ForEachMatchingLine(block, first, last, [&](size_t i) { found.push_back(i); });
  for (size_t i = first; i < last; ++i) {
    if (re2::RE2::PartialMatch(lines[i], re)) expected.push_back(i);
  }
  EXPECT_EQ(found, expected) << re.pattern();
  return found;
}

std::vector<size_t> Found(std::string_view pattern, const std::vector<std::string>& lines) {
  const std::optional<ClassNfa> nfa = Nfa(pattern);
  EXPECT_TRUE(nfa.has_value()) << pattern;
  if (!nfa) return {};
  return Found(*nfa, re2::RE2(pattern), lines, 0, lines.size());
}

TEST(ClassNfaTest, RegexesWithoutALiteralThatAreNotFixedRunsAreAutomata) {
  for (const char* pattern :
       {R"(\d+\.\d+\.\d+\.\d+)", R"((\d{1,3}\.){3}\d{1,3})", R"([0-9]+ms)", "(GET|POST) /[^ ]*",
        R"([45]\d\d \d+)", "x[^y]+z", "a.*b", R"(\S+@\S+)", R"(\d{2,}-\w*)", "(?:ab|c)?d",
        "(?P<n>[a-f]{1,4}):", R"([^"]*")", "a|b", R"(\D+\W+\s)"}) {
    EXPECT_TRUE(Nfa(pattern).has_value()) << pattern;
    EXPECT_FALSE(ClassSequence::Parse(pattern).has_value()) << pattern;
    std::shared_ptr<const RegexPrefilter> prefilter = RegexPrefilter::Make(re2::RE2(pattern));
    ASSERT_NE(prefilter, nullptr) << pattern;
    EXPECT_TRUE(prefilter->exact()) << pattern;
  }
  // Only the automata whose runs may hold characters beyond ASCII need UTF-8 lines.
  EXPECT_FALSE(Nfa(R"(\d+\.\d+)")->needs_utf8());
  EXPECT_TRUE(Nfa("a.*b")->needs_utf8());
  // A class beyond ASCII other than as a run (a character is more than a byte), a loop over
  // more than one class, anchors, flags, escapes and classes not modelled, patterns that match
  // the empty string or unroll into too many steps: Hyperscan or re2 takes these.
  for (const char* pattern :
       {"a.b",          "[^ ]?x",  "[^ ]{2,}", "(ab)+",    "(a|b)*c",  "^a+",
        "a+$",          R"(\ba+)", "(?i)a+",   "(?s)a.*b", R"(\x41+)", R"(\pL+)",
        "[[:digit:]]+", "é+",      "a*",       "(a?)?",    "a{0,5}",   R"((\d{1,3}\.){60})",
        "[a-c-e]+",     "[]a]+",   "a{,2}",    "a{02}",    "a**",      "(?<n>a)+",
        "a{65}"}) {
    EXPECT_FALSE(Nfa(pattern).has_value()) << pattern;
  }
  // A fixed run written with a group is a ClassSequence.
  EXPECT_TRUE(ClassSequence::Parse(R"([0-9]{3}(\.[0-9]{3}){3})").has_value());
}

TEST(ClassNfaTest, MatchesStayInTheirLine) {
  // "12." ends one line and "34" starts the next: no match across.
  EXPECT_EQ(Found(R"(\d+\.\d+)", {"x 12.", "34 y", "1.2", "", "v3.14", ".5"}),
            (std::vector<size_t>{2, 4}));
  // Runs that end at a line's end, and a line that starts with the run's class.
  EXPECT_EQ(Found(R"([a-z]+[0-9]+)", {"abc", "123", "z9", "99", "a", "1"}),
            (std::vector<size_t>{2}));
  // Optional parts and alternatives.
  EXPECT_EQ(Found("(GET|POST) /[a-z]*", {"GET /", "POST", "PUT /x", "xPOST /api", "GE", "T /"}),
            (std::vector<size_t>{0, 3}));
}

TEST(ClassNfaTest, MatchAtTheEndOfALineOfFourWords) {
  // The scan takes 256 bytes at a time: a match ending there is carried into the next ones.
  EXPECT_EQ(Found("xx+", {std::string(254, '-') + "xx", "-", "xx"}), (std::vector<size_t>{0, 2}));
}

TEST(ClassNfaTest, RunsBeyondAsciiMatchWholeCharacters) {
  // [^ ]+ is characters, not bytes: é is two, and a run holds whole characters.
  EXPECT_EQ(Found("x[^ ]+z", {"x\u00e9z", "x z", "xz", "x\u2603\u00e9z", "x\nz"}),
            (std::vector<size_t>{0, 3, 4}));
  EXPECT_EQ(Found("a.*b", {"a\u00e9\u00e9b", "a\nb", "ab", "b a"}), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(Found(R"(\S+=\d+)", {"\u00e9=1", "=1", "k =2", "\u00e9\u00e9x=33"}),
            (std::vector<size_t>{0, 3}));
}

TEST(ClassNfaTest, FindsTheFirstMatchEnd) {
  const std::optional<ClassNfa> nfa = Nfa(R"(\d+\.\d+)");
  ASSERT_TRUE(nfa.has_value());
  const std::string text = std::string(70, 'x') + "1. 23.456 7";
  EXPECT_EQ(nfa->NextMatchEnd(text, 0), 70 + 7);  // The first end: "23.4".
  EXPECT_EQ(nfa->NextMatchEnd(text, 70 + 7), ClassNfa::npos);
  EXPECT_EQ(nfa->NextMatchEnd("12.3", 0), 4u);  // At the text's end.
}

// Random patterns of the shapes the automaton accepts: literals, ASCII classes, runs of classes
// beyond ASCII, groups with alternatives, every kind of repetition.
std::string RandomPattern(std::mt19937& rng, int depth) {
  static const std::vector<std::string> atoms = {
      "a",     "b",     "0",     "1",     R"(\.)", "-",        " ",     R"(\d)",
      R"(\w)", R"(\s)", "[0-9]", "[a-c]", "[a0-]", R"([\d.])", "[^ ]",  ".",
      R"(\D)", R"(\S)", "[^a0]", R"(\W)", R"(\n)", ":",        "[ -.]", R"([\s,])"};
  static const std::vector<std::string> narrow_quantifiers = {
      "", "", "", "?", "*", "+", "{2}", "{1,3}", "{0,2}", "{2,}", "+?"};
  std::string out;
  for (int k = 1 + rng() % 4; k > 0; --k) {
    if (depth < 2 && rng() % 5 == 0) {
      std::string group = "(";
      if (rng() % 2) group += "?:";
      for (int alternatives = 1 + rng() % 3; alternatives > 0; --alternatives) {
        group += RandomPattern(rng, depth + 1);
        if (alternatives > 1) group += "|";
      }
      static const std::vector<std::string> group_quantifiers = {"", "", "?", "{2}", "{1,3}"};
      out += group + ")" + group_quantifiers[rng() % group_quantifiers.size()];
      continue;
    }
    const size_t a = rng() % atoms.size();
    const bool wide = a >= 14 && a <= 19;  // Beyond ASCII: runs only.
    out += atoms[a];
    out += wide ? (rng() % 2 ? "+" : "*") : narrow_quantifiers[rng() % narrow_quantifiers.size()];
  }
  return out;
}

TEST(ClassNfaTest, FindsWhatRe2Finds) {
  const std::string alphabet[] = {"0",  "1",      "7",      ".",      "a",      "b", "c",
                                  "-",  ":",      " ",      "\n",     "\t",     ",", "a0",
                                  "1.", "\u00e9", "\u2603", "\xff",   "10.0.1", "_", "=",
                                  "ab", "\xc3",   "\xa9",   "\u00e9a"};
  std::mt19937 rng(21);
  int tested = 0, wide = 0;
  for (int round = 0; round < 1500; ++round) {
    const std::string pattern = RandomPattern(rng, 0);
    const re2::RE2 re(pattern, re2::RE2::Quiet);
    if (!re.ok()) continue;
    const std::optional<ClassNfa> nfa = Nfa(pattern);
    if (!nfa) continue;
    ++tested;
    wide += nfa->needs_utf8();
    std::vector<std::string> lines(1 + rng() % 30);
    for (std::string& line : lines) {
      for (int k = rng() % 90; k > 0; --k) line += alphabet[rng() % std::size(alphabet)];
      // The automaton answers for valid UTF-8 lines when it needs them (vigied tests the others
      // with re2).
      while (nfa->needs_utf8() && !IsValidUtf8(line)) line.pop_back();
    }
    const size_t first = rng() % lines.size();
    Found(*nfa, re, lines, first, first + rng() % (lines.size() - first + 1));
    if (testing::Test::HasFailure()) FAIL() << "pattern " << pattern;
  }
  EXPECT_GT(tested, 600);
  EXPECT_GT(wide, 150);
}

// Through FilterBlock, as a query runs it: the lines of a block that is not valid UTF-8 are
// tested by re2 when the automaton needs UTF-8, and by the automaton otherwise.
TEST(ClassNfaTest, FilterBlockFindsWhatRe2Finds) {
  for (const char* pattern : {"x[^y]+z", R"((\d{1,3}\.){3}\d{1,3})"}) {
    absl::StatusOr<LineFilter> filter = LineFilter::Make({{FilterOp::kRegex, pattern}}, Limits());
    ASSERT_TRUE(filter.ok());
    ASSERT_NE(filter->prefilter(), nullptr);
    const std::vector<std::string> lines = {"x\xffz 1.2.3.4", "xqz", "10.0.0.1 x\u00e9z", "1.2.3"};
    BlockMatches matches;
    matches.block = Block(lines);
    FilterBlock(*filter, {0, int64_t(lines.size())}, &matches);
    std::vector<uint32_t> expected;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (filter->Matches(lines[i])) expected.push_back(i);
    }
    EXPECT_EQ(matches.lines, expected) << pattern;
  }
}

}  // namespace
}  // namespace vigie::logql
