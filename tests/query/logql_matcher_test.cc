// Label matcher and line filter semantics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/logql/ast.h"
#include "query/logql/parser.h"

#include <set>

namespace vigie::logql {
namespace {

using testing::HasSubstr;

LabelMatcher Make(MatchType type, std::string value) {
  absl::StatusOr<LabelMatcher> m = LabelMatcher::Make("app", type, std::move(value), Limits());
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

TEST(LogqlLabelMatcherTest, EqualityIsExact) {
  LabelMatcher eq = Make(MatchType::kEqual, "api");
  EXPECT_TRUE(eq.Matches("api"));
  EXPECT_FALSE(eq.Matches("api2"));
  EXPECT_FALSE(eq.Matches(""));
  LabelMatcher ne = Make(MatchType::kNotEqual, "api");
  EXPECT_FALSE(ne.Matches("api"));
  EXPECT_TRUE(ne.Matches("API"));
}

TEST(LogqlLabelMatcherTest, RegexesAreFullyAnchored) {
  LabelMatcher re = Make(MatchType::kRegex, "api|front");
  EXPECT_TRUE(re.Matches("api"));
  EXPECT_TRUE(re.Matches("front"));
  EXPECT_FALSE(re.Matches("api2"));
  EXPECT_FALSE(re.Matches("xapi"));
  EXPECT_FALSE(re.Matches("frontend"));
  LabelMatcher nre = Make(MatchType::kNotRegex, "api");
  EXPECT_FALSE(nre.Matches("api"));
  EXPECT_TRUE(nre.Matches("api2"));
  EXPECT_TRUE(Make(MatchType::kRegex, "we.*").Matches("web1"));
  EXPECT_FALSE(Make(MatchType::kRegex, "eb").Matches("web1"));
}

TEST(LogqlLabelMatcherTest, AbsentLabelIsTheEmptyValue) {
  EXPECT_TRUE(Make(MatchType::kNotEqual, "api").MatchesEmpty());
  EXPECT_TRUE(Make(MatchType::kNotRegex, "api").MatchesEmpty());
  EXPECT_TRUE(Make(MatchType::kRegex, ".*").MatchesEmpty());
  EXPECT_TRUE(Make(MatchType::kEqual, "").MatchesEmpty());
  EXPECT_FALSE(Make(MatchType::kRegex, ".+").MatchesEmpty());
  EXPECT_FALSE(Make(MatchType::kNotRegex, ".*").MatchesEmpty());
  EXPECT_FALSE(Make(MatchType::kNotEqual, "").MatchesEmpty());
}

TEST(LogqlLabelMatcherTest, SeveralMatchersOnTheSameLabelAllApply) {
  absl::StatusOr<Query> q = Parse(R"({app=~"api.*", app!="api-canary", app!~".*-old"})", Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  auto selects = [&](std::string_view value) {
    for (const LabelMatcher& m : q->log->matchers) {
      if (!m.Matches(value)) return false;
    }
    return true;
  };
  EXPECT_TRUE(selects("api"));
  EXPECT_TRUE(selects("api-eu"));
  EXPECT_FALSE(selects("api-canary"));
  EXPECT_FALSE(selects("api-eu-old"));
  EXPECT_FALSE(selects("front"));
}

TEST(LogqlLabelMatcherTest, RejectsBadNamesAndRegexes) {
  EXPECT_THAT(
      std::string(LabelMatcher::Make("1a", MatchType::kEqual, "x", Limits()).status().message()),
      HasSubstr("invalid label name"));
  EXPECT_THAT(
      std::string(LabelMatcher::Make("a", MatchType::kRegex, "[", Limits()).status().message()),
      HasSubstr("invalid regex \"[\": missing ]"));
  // A bad pattern is fine for an equality matcher: it is not a regex there.
  EXPECT_TRUE(LabelMatcher::Make("a", MatchType::kEqual, "[", Limits()).ok());
}

TEST(LogqlLabelMatcherTest, ToStringParsesBack) {
  LabelMatcher m = Make(MatchType::kNotRegex, "a\"b\\d");
  EXPECT_EQ(m.ToString(), R"(app!~"a\"b\\d")");
  absl::StatusOr<Query> q = Parse("{x=\"y\", " + m.ToString() + "}", Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->log->matchers[1].value(), m.value());
}

LineFilter Filter(std::vector<LineFilterSpec> specs) {
  absl::StatusOr<LineFilter> f = LineFilter::Make(std::move(specs), Limits());
  EXPECT_TRUE(f.ok()) << f.status();
  return *std::move(f);
}

TEST(LogqlLineFilterTest, EachOperator) {
  LineFilter contains = Filter({{FilterOp::kContains, "timeout"}});
  EXPECT_TRUE(contains.Matches("db timeout after 5s"));
  EXPECT_FALSE(contains.Matches("db Timeout"));
  LineFilter not_contains = Filter({{FilterOp::kNotContains, "healthcheck"}});
  EXPECT_FALSE(not_contains.Matches("GET /healthcheck 200"));
  EXPECT_TRUE(not_contains.Matches("GET /api 200"));
  LineFilter regex = Filter({{FilterOp::kRegex, "db[0-9]+"}});
  EXPECT_TRUE(regex.Matches("conn to db12 lost"));  // Unanchored.
  EXPECT_FALSE(regex.Matches("conn to db lost"));
  LineFilter not_regex = Filter({{FilterOp::kNotRegex, "^DEBUG"}});
  EXPECT_FALSE(not_regex.Matches("DEBUG x"));
  EXPECT_TRUE(not_regex.Matches("INFO DEBUG x"));
  LineFilter empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.Matches("anything"));
  EXPECT_EQ(empty.required_literal(), "");
}

TEST(LogqlLineFilterTest, ChainRequiresEveryFilter) {
  LineFilter f = Filter({{FilterOp::kContains, "timeout"},
                         {FilterOp::kRegex, "db[0-9]+"},
                         {FilterOp::kNotContains, "healthcheck"},
                         {FilterOp::kNotRegex, "(?i)retry"}});
  EXPECT_TRUE(f.Matches("timeout talking to db3"));
  EXPECT_FALSE(f.Matches("timeout talking to db"));
  EXPECT_FALSE(f.Matches("timeout talking to db3 (healthcheck)"));
  EXPECT_FALSE(f.Matches("timeout talking to db3, RETRY"));
  EXPECT_FALSE(f.Matches("talking to db3"));
  EXPECT_EQ(f.specs().size(), 4u);
  EXPECT_EQ(f.specs()[1].op, FilterOp::kRegex);  // Kept in written order.
  LineFilter copy = f;
  EXPECT_TRUE(copy.Matches("timeout talking to db3"));
}

TEST(LogqlLineFilterTest, MatchesBytesNotCharacters) {
  std::string line("a\0b\xff", 4);
  EXPECT_TRUE(Filter({{FilterOp::kContains, std::string("\0b", 2)}}).Matches(line));
  EXPECT_TRUE(Filter({{FilterOp::kContains, "\xff"}}).Matches(line));
}

TEST(LogqlLineFilterTest, RequiredLiteralComesFromPositiveFilters) {
  EXPECT_EQ(
      Filter({{FilterOp::kContains, "foo"}, {FilterOp::kContains, "barbaz"}}).required_literal(),
      "barbaz");
  EXPECT_EQ(Filter({{FilterOp::kContains, "ab"}, {FilterOp::kRegex, "error: db[0-9]+"}})
                .required_literal(),
            "error: db");
  EXPECT_EQ(Filter({{FilterOp::kNotContains, "a long negative"}}).required_literal(), "");
  EXPECT_EQ(Filter({{FilterOp::kNotRegex, "a long negative"}, {FilterOp::kContains, "x"}})
                .required_literal(),
            "x");
  EXPECT_EQ(Filter({{FilterOp::kRegex, "(?i)timeout"}}).required_literal(), "");
  EXPECT_EQ(
      Filter({{FilterOp::kRegex, "GET|POST"}, {FilterOp::kContains, " 404 "}}).required_literal(),
      " 404 ");
}

TEST(LogqlLineFilterTest, RejectsBadRegexesAndKeepsChainOnError) {
  LineFilter f = Filter({{FilterOp::kContains, "x"}});
  absl::Status s = f.Add({FilterOp::kRegex, "a)"}, Limits());
  EXPECT_THAT(std::string(s.message()), HasSubstr("invalid regex \"a)\": unexpected )"));
  EXPECT_EQ(f.specs().size(), 1u);
  Limits limits;
  limits.max_regex_program_size = 50;
  s = f.Add({FilterOp::kNotRegex, "[0-9a-f]{64}"}, limits);
  EXPECT_THAT(std::string(s.message()), HasSubstr("regex too complex"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("more than the limit of 50"));
  EXPECT_FALSE(LineFilter::Make({{FilterOp::kRegex, "\xff"}}, Limits()).ok());  // Not UTF-8.
}

LineFilter Parsed(std::string_view query) {
  absl::StatusOr<Query> q = Parse(query, Limits());
  EXPECT_TRUE(q.ok()) << query << ": " << q.status();
  return q.ok() ? q->log->filter : LineFilter();
}

TEST(LogqlLineFilterTest, OrAlternatives) {
  LineFilter any = Parsed(R"({a="x"} |= "timeout" or "refused")");
  EXPECT_TRUE(any.Matches("connect: timeout"));
  EXPECT_TRUE(any.Matches("connection refused"));
  EXPECT_FALSE(any.Matches("ok"));
  // A negative filter with alternatives keeps the lines that match none of them (Loki).
  LineFilter none = Parsed(R"({a="x"} != "debug" or "trace")");
  EXPECT_FALSE(none.Matches("debug: x"));
  EXPECT_FALSE(none.Matches("trace: x"));
  EXPECT_TRUE(none.Matches("info: x"));
  LineFilter re = Parsed(R"({a="x"} |~ "5[0-9]{2}" or "timeout")");
  EXPECT_TRUE(re.Matches("status=503"));
  EXPECT_TRUE(re.Matches("a timeout"));
  EXPECT_FALSE(re.Matches("status=404"));
  LineFilter nre = Parsed(R"({a="x"} !~ "^GET" or "^HEAD")");
  EXPECT_FALSE(nre.Matches("HEAD /"));
  EXPECT_TRUE(nre.Matches("POST /"));
  LineFilter pattern = Parsed(R"({a="x"} |> "<_> error <_>" or "<_> fatal <_>")");
  EXPECT_TRUE(pattern.Matches("x fatal y"));
  EXPECT_FALSE(pattern.Matches("x warn y"));
  LineFilter mixed = Parsed(R"({a="x"} |= ip("10.0.0.0/8") or "localhost")");
  EXPECT_TRUE(mixed.Matches("from 10.1.1.1"));
  EXPECT_TRUE(mixed.Matches("from localhost"));
  EXPECT_FALSE(mixed.Matches("from 192.168.1.1"));
}

TEST(LogqlLineFilterTest, IpAndPatternFilters) {
  LineFilter in = Parsed(R"({a="x"} |= ip("192.168.0.1-192.168.0.255"))");
  EXPECT_TRUE(in.Matches("client 192.168.0.7 connected"));
  EXPECT_FALSE(in.Matches("client 192.168.1.7 connected"));
  LineFilter out = Parsed(R"({a="x"} != ip("192.168.0.0/16"))");
  EXPECT_FALSE(out.Matches("client 192.168.9.9"));
  EXPECT_TRUE(out.Matches("client 10.0.0.1"));
  EXPECT_TRUE(out.Matches("no address"));
  LineFilter pattern = Parsed(R"({a="x"} |> "<_> GET <_> 404 <_>" !> "<_> /health <_>")");
  EXPECT_TRUE(pattern.Matches("1.2.3.4 GET /a 404 12"));
  EXPECT_FALSE(pattern.Matches("1.2.3.4 GET /health 404 12"));
  EXPECT_FALSE(pattern.Matches("1.2.3.4 POST /a 404 12"));
}

// Whatever narrows the blocks to read must never rule out a line that passes.
TEST(LogqlLineFilterTest, RequiredLiterals) {
  using Sets = std::vector<std::vector<NeededLiteral>>;
  EXPECT_EQ(Parsed(R"({a="x"} |= "a" or "bc")").required_any(), (Sets{{{"a"}, {"bc"}}}));
  EXPECT_EQ(Parsed(R"({a="x"} |= "a" or "bc")").required_literal(), "");
  EXPECT_EQ(Parsed(R"({a="x"} |~ "error|errors" or "fatal")").required_any(),
            (Sets{{{"error"}, {"fatal"}}}));
  // One alternative without a literal: nothing is known about the filter.
  EXPECT_EQ(Parsed(R"({a="x"} |= "a" or ip("10.0.0.0/8"))").required_any(), Sets{});
  EXPECT_EQ(Parsed(R"({a="x"} != "a" or "b")").required_any(), Sets{});
  // A single IPv4 address has one written form.
  EXPECT_EQ(Parsed(R"({a="x"} |= ip("10.1.2.3"))").required_literal(), "10.1.2.3");
  // Every literal part of a pattern is required; the longest serves memmem.
  LineFilter pattern = Parsed(R"({a="x"} |> "<_> GET <_> 404 <_>")");
  EXPECT_EQ(pattern.required_any(), (Sets{{{" GET "}}, {{" 404 "}}}));
  EXPECT_EQ(pattern.required_literal(), " GET ");
  LineFilter both = Parsed(R"({a="x"} |= "needle" |= "x" or "y")");
  EXPECT_EQ(both.required_literal(), "needle");
  auto only = [](std::set<std::string> present) {
    return [present](const NeededLiteral& l) { return present.count(l.text) > 0; };
  };
  EXPECT_TRUE(both.MayMatch(only({"needle", "y"})));
  EXPECT_FALSE(both.MayMatch(only({"needle"})));
  EXPECT_FALSE(both.MayMatch(only({"x", "y"})));
  EXPECT_TRUE(LineFilter().MayMatch(only({})));
}

}  // namespace
}  // namespace vigie::logql
