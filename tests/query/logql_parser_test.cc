// Valid LogQL queries: each parses, prints back in canonical form, and the canonical form parses
// to the same structure.
#include <gtest/gtest.h>

#include "common/time.h"
#include "query/logql/parser.h"

namespace vigie::logql {
namespace {

struct ValidCase {
  const char* query;
  const char* canonical;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.query; }

const ValidCase kValid[] = {
    // Selectors: every matcher, spacing, the same label twice.
    {R"({service="api"})", R"({service="api"})"},
    {R"({a="x"} |= "a" or "b" or `c`)", R"({a="x"} |= "a" or "b" or "c")"},
    {R"({a="x"} != ip("10.0.0.0/8") or "x")", R"({a="x"} != ip("10.0.0.0/8") or "x")"},
    {R"({a="x"}|>"<_> error <_>"!>`<_> debug <_>`)",
     R"({a="x"} |> "<_> error <_>" !> "<_> debug <_>")"},
    {R"(count_over_time({a="x"} |~ "a" or "b" [5m]))",
     R"(count_over_time({a="x"} |~ "a" or "b"[5m]))"},
    {R"({ service = "api" , host != "web1" })", R"({service="api", host!="web1"})"},
    {R"({a=~"api|front", b!~"x.*"})", R"({a=~"api|front", b!~"x.*"})"},
    {R"({a="x", a!="y", a=~"x|z"})", R"({a="x", a!="y", a=~"x|z"})"},
    {R"({_a1="x",B_2="y"})", R"({_a1="x", B_2="y"})"},
    {R"({a="", b="x"})", R"({a="", b="x"})"},
    {R"({a!=""})", R"({a!=""})"},
    {R"({a=~".+"})", R"({a=~".+"})"},
    // Line filters.
    {R"({a="x"} |= "timeout")", R"({a="x"} |= "timeout")"},
    {R"({a="x"} != "healthcheck")", R"({a="x"} != "healthcheck")"},
    {R"({a="x"} |~ "db[0-9]+")", R"({a="x"} |~ "db[0-9]+")"},
    {R"({a="x"} !~ "debug|trace")", R"({a="x"} !~ "debug|trace")"},
    {R"({service="api"}|="timeout"|~"db[0-9]+"!="healthcheck")",
     R"({service="api"} |= "timeout" |~ "db[0-9]+" != "healthcheck")"},
    {R"({a="x"} |= "")", R"({a="x"} |= "")"},
    {R"({a="x"} |~ "(?i)error")", R"({a="x"} |~ "(?i)error")"},
    // Strings: raw backticks, Go escapes.
    {R"({a=`x`} |~ `\d+\.\d+`)", R"({a="x"} |~ "\\d+\\.\\d+")"},
    {R"({a="x"} |~ "\\d{3}")", R"({a="x"} |~ "\\d{3}")"},
    {R"({a="x"} |= "say \"hi\"\t\\")", R"({a="x"} |= "say \"hi\"\t\\")"},
    {R"({a="x"} |= "\x41\u00e9\U0001F600\101")", "{a=\"x\"} |= \"A\u00e9\U0001F600A\""},
    {R"({a="x"} |= "\a\x01\x7f\xff")", R"({a="x"} |= "\x07\x01\x7f\xff")"},
    {"{a=`two\nlines`}", R"({a="two\nlines"})"},
    {R"({a="x"} |= `"quoted" and \raw`)", R"({a="x"} |= "\"quoted\" and \\raw")"},
    // Whitespace, newlines and comments.
    {"{a=\"x\"}\n  |= \"y\"\n", R"({a="x"} |= "y")"},
    {"{a=\"x\"} # the api\n |= \"y\" # errors only", R"({a="x"} |= "y")"},
    // Range aggregations.
    {R"(count_over_time({a="x"}[5m]))", R"(count_over_time({a="x"}[5m]))"},
    {R"(rate({a="x"} |= "err" [1m]))", R"(rate({a="x"} |= "err"[1m]))"},
    {R"(bytes_over_time({a="x"}[1h30m]))", R"(bytes_over_time({a="x"}[1h30m]))"},
    {R"(bytes_rate({a="x"}[30s] offset 1h))", R"(bytes_rate({a="x"}[30s] offset 1h))"},
    {R"(count_over_time({a="x"}[5m] |= "y" != "z"))",
     R"(count_over_time({a="x"} |= "y" != "z"[5m]))"},
    {R"(count_over_time(({a="x"} |= "y")[5m] offset 5m))",
     R"(count_over_time({a="x"} |= "y"[5m] offset 5m))"},
    {R"(rate({a="x"}[90s]))", R"(rate({a="x"}[1m30s]))"},
    {R"(rate({a="x"}[250ms]))", R"(rate({a="x"}[250ms]))"},
    {R"(rate({a="x"}[ 2h ]))", R"(rate({a="x"}[2h]))"},
    // Vector aggregations: by/without before and after, nesting, parentheses.
    {R"(sum by (service) (count_over_time({service=~".+"} |= " 404 " [1m])))",
     R"(sum by (service) (count_over_time({service=~".+"} |= " 404 "[1m])))"},
    {R"(sum(rate({a="b"}[1m])) by (a))", R"(sum by (a) (rate({a="b"}[1m])))"},
    {R"(sum without (host) (rate({a="b"}[1m])))", R"(sum without (host) (rate({a="b"}[1m])))"},
    {R"(avg(count_over_time({a="b"}[1m])) without (a,b))",
     R"(avg without (a, b) (count_over_time({a="b"}[1m])))"},
    {R"(max(sum by (a, b) (rate({a="b"}[1m]))))", R"(max(sum by (a, b) (rate({a="b"}[1m]))))"},
    {R"(min by(a)(count by (a, b) (rate({a="b"}[1m]))))",
     R"(min by (a) (count by (a, b) (rate({a="b"}[1m]))))"},
    {R"(count by () (rate({a="b"}[1m])))", R"(count(rate({a="b"}[1m])))"},
    {R"(min without () (rate({a="b"}[1m])))", R"(min without () (rate({a="b"}[1m])))"},
    {R"(((sum(((rate({a="b"}[1m])))))))", R"(sum(rate({a="b"}[1m])))"},
    {"sum by (level)\n(\n  rate({app=\"front\"}\n  |~ \" 5\\\\d\\\\d \"\n  [5m])\n)",
     R"(sum by (level) (rate({app="front"} |~ " 5\\d\\d "[5m])))"},
};

class ParserValidTest : public testing::TestWithParam<ValidCase> {};

TEST_P(ParserValidTest, PrintsCanonicalFormThatParsesBack) {
  const ValidCase& c = GetParam();
  absl::StatusOr<Query> query = Parse(c.query, Limits());
  ASSERT_TRUE(query.ok()) << c.query << "\n" << query.status();
  EXPECT_EQ(ToString(*query), c.canonical);
  absl::StatusOr<Query> again = Parse(ToString(*query), Limits());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ToString(*again), c.canonical);
  EXPECT_EQ(again->is_metric(), query->is_metric());
  EXPECT_NE(query->log.has_value(), query->is_metric());
}

INSTANTIATE_TEST_SUITE_P(Logql, ParserValidTest, testing::ValuesIn(kValid));

TEST(LogqlParserStructureTest, LogQuery) {
  absl::StatusOr<Query> q = Parse(R"({a="x", b=~"y|z"} |= "foo" !~ "ba+r")", Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_TRUE(q->log.has_value());
  const LogSelector& s = *q->log;
  ASSERT_EQ(s.matchers.size(), 2u);
  EXPECT_EQ(s.matchers[1].name(), "b");
  EXPECT_EQ(s.matchers[1].type(), MatchType::kRegex);
  EXPECT_EQ(s.matchers[1].value(), "y|z");
  std::vector<LineFilterSpec> want = {{FilterOp::kContains, "foo"}, {FilterOp::kNotRegex, "ba+r"}};
  EXPECT_EQ(s.filter.specs(), want);
  EXPECT_EQ(s.filter.required_literal(), "foo");
}

TEST(LogqlParserStructureTest, MetricQuery) {
  absl::StatusOr<Query> q =
      Parse(R"(sum(avg without (pod) (bytes_rate({a="x"}[10m] offset 2h))) by (a, b))", Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_TRUE(q->is_metric());
  const MetricExpr& sum = *q->metric;
  EXPECT_EQ(sum.kind, MetricExpr::Kind::kVectorAggregation);
  EXPECT_EQ(sum.vector_op, VectorOp::kSum);
  EXPECT_EQ(sum.grouping, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(sum.without);
  const MetricExpr& avg = *sum.inner;
  EXPECT_EQ(avg.vector_op, VectorOp::kAvg);
  EXPECT_TRUE(avg.without);
  EXPECT_EQ(avg.grouping, (std::vector<std::string>{"pod"}));
  const MetricExpr& range = *avg.inner;
  EXPECT_EQ(range.kind, MetricExpr::Kind::kRange);
  EXPECT_EQ(range.range_op, RangeOp::kBytesRate);
  EXPECT_EQ(range.range_ns, 600 * kNanosPerSecond);
  EXPECT_EQ(range.offset_ns, 7200 * kNanosPerSecond);
  EXPECT_EQ(range.selector.matchers[0].ToString(), R"(a="x")");
  EXPECT_EQ(range.inner, nullptr);
}

TEST(LogqlParserStructureTest, NestingUpToTheLimitParses) {
  std::string query = R"(rate({a="b"}[1m]))";
  for (int i = 0; i < 30; ++i) query = "sum(" + query + ")";
  EXPECT_TRUE(Parse(query, Limits()).ok());
}

}  // namespace
}  // namespace vigie::logql
