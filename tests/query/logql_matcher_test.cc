// Label matcher and line filter semantics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/logql/ast.h"
#include "query/logql/parser.h"

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

}  // namespace
}  // namespace vigie::logql
