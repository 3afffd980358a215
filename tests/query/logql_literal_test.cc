// RequiredLiteral(): the literal chosen for a table of patterns, and the property that makes it
// safe as a pre-filter: every line re2 matches contains it.
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/logql/required_literal.h"
#include "re2/re2.h"

namespace vigie::logql {
namespace {

using testing::AnyOf;
using testing::Eq;

struct LiteralCase {
  const char* pattern;
  const char* literal;
  const char* alternative = nullptr;  // An equally good answer, when there is one.
};

void PrintTo(const LiteralCase& c, std::ostream* os) { *os << c.pattern; }

const LiteralCase kLiterals[] = {
    {"timeout", "timeout"},
    {"", ""},
    {"a|b", ""},
    {"ab?c", "a", "c"},
    {"(?i)foo", ""},
    {"(?i)ERROR 42", " 42"},
    {"(?i)abc(?-i)def", "def"},
    {"W*b(?i)?", ""},  // The ? makes the b optional (found by logql_parse_fuzz).
    {"ab(?s){2}c", ""},
    {"x(?i:abc)yz", "yz"},
    {"db[0-9]+", "db"},
    {"foo\\.bar", "foo.bar"},
    {"x*", ""},
    {"ab*", "a"},
    {"(foo)+", "foo"},
    {"(foo)+bar", "foobar"},  // Every match ends with the last foo and bar.
    {"(?:ab)+c", "abc"},
    {"(ab)+(cd)+", "abcd"},  // The junction of the two groups.
    {"foo.*bar", "foo", "bar"},
    {"[a-z]+ing", "ing"},
    {"a{0,2}bc", "bc"},
    {"(ab){2}", "abab"},
    {"(ab){2,}x", "ababx"},
    {"(ab){2,5}", "abab"},
    {"^GET /api", "GET /api"},
    {"timeout$", "timeout"},
    {"\\bword\\b", "word"},
    {"\\Aword\\z", "word"},
    {"error|errors", "error"},
    {"GET /a|POST /a", "T /a"},
    {"foo(bar|baz)qux", "fooba"},
    {"(a|ab)(c|bcd)(d*)", "a"},
    {"[.]com", ".com"},
    {"[\\.]com", ".com"},
    {"[^a]bc", "bc"},
    {"[ab]cd", "cd"},
    {"[]]x", "]x"},
    {"[]a]x", "x"},
    {"[[:alpha:]]+-v1", "-v1"},
    {"\\d+ms", "ms"},
    {"\\p{Greek}+ok", "ok"},
    {"\\pLok", "ok"},
    {"\\x41bc", "bc"},
    {"\\tkey=", "\tkey="},
    {"a.bc.d", "bc"},
    {"(?P<user>\\w+)@example\\.com", "@example.com"},
    {"a{,3}", "a{,3}"},  // Not repetitions in re2: literal braces.
    {"a{06}", "a{06}"},
    {"a{1000000000}", "a{1000000000}"},
    {"\\Qa.b\\E", ""},  // Not modelled: nothing claimed.
    {"\xC3\xA9+t\xC3\xA9", "\xC3\xA9t\xC3\xA9"},
    {"(", ""},  // Invalid: nothing claimed.
    {"a)", ""},
};

class RequiredLiteralTest : public testing::TestWithParam<LiteralCase> {};

TEST_P(RequiredLiteralTest, ChoosesLongestCertainLiteral) {
  const LiteralCase& c = GetParam();
  std::string want_other = c.alternative ? c.alternative : c.literal;
  EXPECT_THAT(RequiredLiteral(c.pattern), AnyOf(Eq(c.literal), Eq(want_other))) << c.pattern;
}

INSTANTIATE_TEST_SUITE_P(Logql, RequiredLiteralTest, testing::ValuesIn(kLiterals));

TEST(LogqlRequiredLiteralBoundsTest, LongLiteralsAreCut) {
  EXPECT_EQ(RequiredLiteral("(ab){1000}").size(), 256u);
  EXPECT_EQ(RequiredLiteral(std::string(300, 'x')), std::string(256, 'x'));
  std::string deep = std::string(500, '(') + "a" + std::string(500, ')');
  EXPECT_EQ(RequiredLiteral(deep), "");  // Too deep to analyse: nothing claimed.
}

// Random lines, half of them made only of the pattern's own characters (so that many match), the
// others of those and a few more.
std::vector<std::string> LinesFor(std::string_view pattern, std::mt19937* rng) {
  std::set<char> own(pattern.begin(), pattern.end());
  std::set<char> more = own;
  for (char c : std::string_view("abcxyzAXY019 .-_\t")) more.insert(c);
  const std::vector<char> alphabets[] = {{own.begin(), own.end()}, {more.begin(), more.end()}};
  std::vector<std::string> lines = {"", std::string(pattern)};
  for (int i = 0; i < 20000; ++i) {
    const std::vector<char>& alphabet = alphabets[i % 2];
    std::string line;
    for (int n = (*rng)() % 14; n > 0; --n) line.push_back(alphabet[(*rng)() % alphabet.size()]);
    lines.push_back(line);
  }
  return lines;
}

TEST(LogqlRequiredLiteralPropertyTest, EveryMatchContainsTheLiteral) {
  const char* patterns[] = {
      "ab?c",     "abc|abd",  "a(b|c)d",  "(ab)+c",     "(?i)xA1",       "x(?i)a1",
      "[abc]b",   "a.c",      "a{2}b",    "(a|b){2}",   "ab{1,3}c",      "a*b+c?",
      "^ab$",     "\\bab\\b", "a[.]b",    "(?:a|)b",    "(a|ab)(c|bcd)", "1|1",
      "a(?i:b)c", "x{0}y",    "(ab|ac)+", "ab|cb",      "[^a]b",         "a\\.b",
      "[-a]b",    "(?s:a.b)", "a(?:)b",   "(a?b?){2}c", "(x|xy)z",       "(ab){1,}cd",
      "\\x61b",   "a{1}b",    "y{1,2}",   "(a(b(c)))",  "a{06}b",        "b{1000000000}",
  };
  std::mt19937 rng(42);
  for (const char* pattern : patterns) {
    re2::RE2 re(pattern);
    ASSERT_TRUE(re.ok()) << pattern;
    std::string literal = RequiredLiteral(pattern);
    int matches = 0;
    for (const std::string& line : LinesFor(pattern, &rng)) {
      if (!re2::RE2::PartialMatch(line, re)) continue;
      ++matches;
      EXPECT_NE(line.find(literal), std::string::npos)
          << "pattern " << pattern << " matches \"" << line << "\" which lacks \"" << literal
          << "\"";
    }
    EXPECT_GT(matches, 0) << pattern;
  }
}

}  // namespace
}  // namespace vigie::logql
