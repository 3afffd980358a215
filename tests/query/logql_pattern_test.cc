// The pattern parser and filters, ip() and decolorize: the pure functions behind those stages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/logql/decolorize.h"
#include "query/logql/ip_filter.h"
#include "query/logql/pattern.h"

namespace vigie::logql {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

std::vector<std::string> Extract(std::string_view pattern, std::string_view line) {
  absl::StatusOr<Pattern> p = Pattern::ForExtraction(pattern);
  EXPECT_TRUE(p.ok()) << p.status();
  std::vector<std::string_view> values;
  if (!p.ok() || !p->Extract(line, &values)) return {"<no match>"};
  return {values.begin(), values.end()};
}

TEST(LogqlPatternTest, ExtractsNginxCombined) {
  constexpr std::string_view kPattern =
      "<ip> - <user> [<_>] \"<method> <uri> <_>\" <status> <size> \"<referer>\" \"<agent>\"";
  absl::StatusOr<Pattern> p = Pattern::ForExtraction(kPattern);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->names(),
              ElementsAre("ip", "user", "method", "uri", "status", "size", "referer", "agent"));
  EXPECT_THAT(Extract(kPattern,
                      "10.1.2.3 - - [06/Dec/2026:17:00:00 +0000] \"GET /a?b=c HTTP/1.1\" 404 153 "
                      "\"-\" \"curl/8.0\""),
              ElementsAre("10.1.2.3", "-", "GET", "/a?b=c", "404", "153", "-", "curl/8.0"));
}

TEST(LogqlPatternTest, LokiMatchingRules) {
  // A leading literal anchors the line; without it nothing is extracted.
  EXPECT_THAT(Extract("foo <a>", "foo bar"), ElementsAre("bar"));
  EXPECT_THAT(Extract("foo <a>", "xfoo bar"), ElementsAre("<no match>"));
  // Each capture ends at the first occurrence of the next literal.
  EXPECT_THAT(Extract("<a> <b>", "1 2 3"), ElementsAre("1", "2 3"));
  // A missing literal: the capture takes the rest, later captures get nothing.
  EXPECT_THAT(Extract("<a>:<b>;<c>", "x:y"), ElementsAre("x", "y"));
  EXPECT_THAT(Extract("<a>:<b>", "no colon"), ElementsAre("no colon"));
  // Text after the last literal is ignored.
  EXPECT_THAT(Extract("<a> end", "x end and more"), ElementsAre("x"));
  // Captures may be empty.
  EXPECT_THAT(Extract("<a>,<b>", ",2"), ElementsAre("", "2"));
  // '<' that does not open a capture is literal.
  EXPECT_THAT(Extract("<a> <= <b> <1x>", "1 <= 2 <1x>"), ElementsAre("1", "2"));
  EXPECT_THAT(Extract("<a>", ""), ElementsAre("<no match>"));
}

TEST(LogqlPatternTest, Errors) {
  auto error = [](absl::StatusOr<Pattern> p) {
    EXPECT_FALSE(p.ok());
    return p.ok() ? std::string() : std::string(p.status().message());
  };
  EXPECT_THAT(error(Pattern::ForExtraction("<a><b>")),
              HasSubstr("capture <b> at byte 3 follows <a> directly"));
  EXPECT_THAT(error(Pattern::ForExtraction("x <a> <_><b>")), HasSubstr("follows <_> directly"));
  EXPECT_THAT(error(Pattern::ForExtraction("<a> <a>")), HasSubstr("duplicate capture name <a>"));
  EXPECT_THAT(error(Pattern::ForExtraction("<_> only")), HasSubstr("at least one named capture"));
  EXPECT_THAT(error(Pattern::ForExtraction("")), HasSubstr("at least one named capture"));
  EXPECT_THAT(error(Pattern::ForLineFilter("<_> <a>")), HasSubstr("named capture <a>"));
  EXPECT_THAT(error(Pattern::ForLineFilter("<_><_>")), HasSubstr("directly"));
}

TEST(LogqlPatternTest, LineFilterTest) {
  auto test = [](std::string_view pattern, std::string_view line) {
    absl::StatusOr<Pattern> p = Pattern::ForLineFilter(pattern);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() && p->Test(line);
  };
  EXPECT_TRUE(test("<_> error <_>", "level=x error in db"));
  EXPECT_FALSE(test("<_> error <_>", "error in db"));     // The first capture would be empty.
  EXPECT_FALSE(test("<_> error <_>", "level=x error "));  // So would the last.
  EXPECT_FALSE(test("<_> bar", "foo bar baz"));           // A trailing literal ends the line.
  EXPECT_TRUE(test("<_> baz", "foo bar baz"));
  EXPECT_TRUE(test("foo <_>", "foo bar baz"));
  EXPECT_FALSE(test("foo <_>", "xfoo bar"));  // A leading literal starts the line.
  EXPECT_TRUE(test("<_>bar<_>", " bar "));
  EXPECT_FALSE(test("<_> a", "x a b a"));  // First occurrences, no backtracking (as Loki).
  EXPECT_TRUE(test("", ""));
  EXPECT_FALSE(test("", "x"));
  EXPECT_TRUE(test("exact", "exact"));
  EXPECT_FALSE(test("exact", "exactly"));
  absl::StatusOr<Pattern> p = Pattern::ForLineFilter("<_> GET <_> 404 <_>");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->Literals(), ElementsAre(" GET ", " 404 "));
}

bool IpMatches(std::string_view pattern, std::string_view text) {
  absl::StatusOr<IpMatcher> m = IpMatcher::Parse(pattern);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() && m->MatchesText(text);
}

TEST(LogqlIpFilterTest, AddressesPrefixesAndRanges) {
  EXPECT_TRUE(IpMatches("192.168.0.1", "from 192.168.0.1 port 22"));
  EXPECT_FALSE(IpMatches("192.168.0.1", "from 192.168.0.10 port 22"));
  EXPECT_TRUE(IpMatches("10.0.0.0/8", "client=10.200.3.4"));
  EXPECT_FALSE(IpMatches("10.0.0.0/8", "client=11.0.0.1"));
  EXPECT_TRUE(IpMatches("10.1.2.3/8", "10.9.9.9 x"));  // Host bits are ignored, as in Go.
  EXPECT_TRUE(IpMatches("192.168.0.1-192.168.0.255", "a 192.168.0.77 b"));
  EXPECT_FALSE(IpMatches("192.168.0.1-192.168.0.255", "a 192.168.1.77 b"));
  EXPECT_TRUE(IpMatches("0.0.0.0/0", "x 1.2.3.4"));
  EXPECT_FALSE(IpMatcher::Parse(std::string_view("1.2.3.4\0", 8)).ok());
  EXPECT_TRUE(IpMatches("2001:db8::/32", "from [2001:db8::1]:443"));
  EXPECT_FALSE(IpMatches("2001:db8::/32", "from [2001:db9::1]:443"));
  EXPECT_TRUE(IpMatches("::1", "peer ::1 closed"));
  EXPECT_TRUE(IpMatches("::ffff:0:0/96", "v ::ffff:1.2.3.4 x"));
  EXPECT_FALSE(IpMatches("1.2.3.4", "v ::ffff:1.2.3.4 x"));  // No IPv4-mapped equivalence.
  EXPECT_TRUE(IpMatches("1.2.3.4", "first 9.9.9.9 then 1.2.3.4 end"));
  EXPECT_FALSE(IpMatches("1.2.3.4", "ip 01.2.3.4"));  // Leading zeros are not addresses.
  EXPECT_FALSE(IpMatches("1.2.3.4", "ip 1.2.3.4."));  // The candidate must parse whole.
  EXPECT_FALSE(IpMatches("1.2.3.4", ""));
}

TEST(LogqlIpFilterTest, BadPatterns) {
  for (std::string_view bad : {"", "1.2.3", "1.2.3.4/33", "1.2.3.4/08", "10.0.0.9-10.0.0.1",
                               "1.2.3.4-::1", "::1/129", "300.1.1.1", "1.2.3.4 - 1.2.3.5"}) {
    absl::StatusOr<IpMatcher> m = IpMatcher::Parse(bad);
    EXPECT_FALSE(m.ok()) << bad;
    if (!m.ok()) EXPECT_THAT(m.status().message(), HasSubstr("ip: invalid pattern")) << bad;
  }
}

TEST(LogqlDecolorizeTest, StripsAnsiSequences) {
  std::string buffer;
  EXPECT_EQ(Decolorize("\x1b[31mERROR\x1b[0m db down", &buffer), "ERROR db down");
  EXPECT_EQ(Decolorize("\x1b[1;32mok\x1b[m \x1b]0;title\x07x", &buffer), "ok x");
  EXPECT_EQ(Decolorize("\xc2\x9b"
                       "31mred",
                       &buffer),
            "red");
  std::string_view plain = "no colours here";
  EXPECT_EQ(Decolorize(plain, &buffer).data(), plain.data());  // Untouched, not copied.
}

}  // namespace
}  // namespace vigie::logql
