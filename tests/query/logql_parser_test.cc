// Valid LogQL queries: each parses, prints back in canonical form, and the canonical form parses
// to the same structure.
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"

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
    {R"(((sum(((rate({a="b"}[1m])))))))", R"(((sum(((rate({a="b"}[1m])))))))"},
    {"sum by (level)\n(\n  rate({app=\"front\"}\n  |~ \" 5\\\\d\\\\d \"\n  [5m])\n)",
     R"(sum by (level) (rate({app="front"} |~ " 5\\d\\d "[5m])))"},
    // Unwrapped range aggregations, their parameter, grouping and filters.
    {R"(sum_over_time({a="x"} | unwrap bytes_sent [5m]))",
     R"(sum_over_time({a="x"} | unwrap bytes_sent[5m]))"},
    {R"(quantile_over_time(0.99, {a="x"} |= "GET" | unwrap duration(t) [5m]) by (route))",
     R"(quantile_over_time(0.99, {a="x"} |= "GET" | unwrap duration(t)[5m]) by (route))"},
    {R"(avg_over_time({a="x"} | unwrap duration_seconds(t) | __error__="" [1m]) without (pod))",
     R"(avg_over_time({a="x"} | unwrap duration_seconds(t) | __error__=""[1m]) without (pod))"},
    {R"(max_over_time({a="x"}[1m] | unwrap bytes(size)))",
     R"(max_over_time({a="x"} | unwrap bytes(size)[1m]))"},
    {R"(rate_counter({a="x"} | unwrap total [5m] offset 1h))",
     R"(rate_counter({a="x"} | unwrap total[5m] offset 1h))"},
    {R"(absent_over_time({a="x"} |= "y" [5m]))", R"(absent_over_time({a="x"} |= "y"[5m]))"},
    {R"(first_over_time({a="x"} | unwrap v [5m]) by ())",
     R"(first_over_time({a="x"} | unwrap v[5m]) by ())"},
    // Operators between metric queries and with scalars, in PromQL's printer form.
    {R"(sum(count_over_time({service="front"} |~ " 404 " [1m])) > 100)",
     R"(sum(count_over_time({service="front"} |~ " 404 "[1m])) > 100)"},
    {R"(sum by (status) (rate({a="b"} [5m])) / ignoring(status) group_left sum(rate({a="b"} [5m])))",
     R"(sum by (status) (rate({a="b"}[5m])) / ignoring (status) group_left () sum(rate({a="b"}[5m])))"},
    {R"(rate({a="b"}[1m]) > bool on (x) group_right (y) rate({a="c"}[1m]))",
     R"(rate({a="b"}[1m]) > bool on (x) group_right (y) rate({a="c"}[1m]))"},
    {R"(rate({a="b"}[1m]) unless rate({a="c"}[1m]) or vector(0))",
     R"(rate({a="b"}[1m]) unless rate({a="c"}[1m]) or vector(0))"},
    {R"(2 * -count_over_time({a="b"}[1m]) % 3 ^ 2 - 1)",
     R"(2 * -count_over_time({a="b"}[1m]) % 3 ^ 2 - 1)"},
    {R"(topk(5, sum by (a) (rate({a="b"}[1m]))))", R"(topk(5, sum by (a) (rate({a="b"}[1m]))))"},
    {R"(bottomk by (b) (1, rate({a="b"}[1m])))", R"(bottomk by (b) (1, rate({a="b"}[1m])))"},
    {R"(sort_desc(stddev(rate({a="b"}[1m]))) + sort(stdvar(rate({a="b"}[1m]))))",
     R"(sort_desc(stddev(rate({a="b"}[1m]))) + sort(stdvar(rate({a="b"}[1m]))))"},
    {R"q(label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(.*)"))q",
     R"q(label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(.*)"))q"},
    {"vector(1) + vector(1)", "vector(1) + vector(1)"},
    {"1 + 1", "1 + 1"},
    {"(1 > bool 2)", "(1 > bool 2)"},
    // A label filter's number with a signed exponent, as Go scans it and as it prints back.
    {R"({a="b"} | json | stat > 1.5e+34 and size < 2E-3)",
     R"({a="b"} | json | stat > 1.5e+34 and size < 0.002)"},
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
  const auto* sum = q->metric->As<promql::AggregateExpr>();
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->op, promql::AggregateOp::kSum);
  EXPECT_EQ(sum->grouping, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(sum->without);
  const auto* avg = sum->operand->As<promql::AggregateExpr>();
  ASSERT_NE(avg, nullptr);
  EXPECT_EQ(avg->op, promql::AggregateOp::kAvg);
  EXPECT_TRUE(avg->without);
  EXPECT_EQ(avg->grouping, (std::vector<std::string>{"pod"}));
  const auto* leaf = avg->operand->As<promql::LeafExpr>();
  ASSERT_NE(leaf, nullptr);
  const auto* range = dynamic_cast<const RangeAggregation*>(leaf->leaf.get());
  ASSERT_NE(range, nullptr);
  EXPECT_EQ(range->op, RangeOp::kBytesRate);
  EXPECT_EQ(range->range_ns, 600 * kNanosPerSecond);
  EXPECT_EQ(range->modifiers.offset_ns, 7200 * kNanosPerSecond);
  EXPECT_EQ(range->selector.matchers[0].ToString(), R"(a="x")");
  EXPECT_FALSE(range->unwrap.has_value());
}

// Loki's "no labels" parser hint, by query: whether its range aggregations keep no label.
TEST(LogqlParserStructureTest, RangeAggregationsWhoseLabelsTheQueryDrops) {
  const std::pair<const char*, std::vector<bool>> cases[] = {
      {R"(sum(count_over_time({a="x"} | json [5m])))", {true}},
      {R"(sum by () (rate({a="x"} | json [5m])))", {true}},
      {R"(sum((bytes_over_time({a="x"} | json [5m]))) > 2)", {true}},
      {R"(sum(sum_over_time({a="x"} | json | unwrap n [5m])) / sum(bytes_rate({a="x"}[5m])))",
       {true, true}},
      {R"(absent_over_time({a="x"} | json [5m]))", {true}},
      {R"(count_over_time({a="x"} | json [5m]))", {false}},
      {R"(sum by (b) (count_over_time({a="x"} | json [5m])))", {false}},
      {R"(sum without (b) (count_over_time({a="x"} | json [5m])))", {false}},
      {R"(sum without () (count_over_time({a="x"} | json [5m])))", {false}},
      {R"(avg(count_over_time({a="x"} | json [5m])))", {false}},
      {R"(sum(avg_over_time({a="x"} | json | unwrap n [5m])))", {false}},
      {R"(sum(max by (b) (count_over_time({a="x"} | json [5m]))))", {false}},
      {R"(sum(-count_over_time({a="x"} | json [5m])))", {false}},
  };
  for (const auto& [text, want] : cases) {
    absl::StatusOr<Query> q = Parse(text, Limits());
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    std::vector<bool> got;
    ForEachRangeAggregation(*q->metric,
                            [&](const RangeAggregation& r) { got.push_back(r.labels_unused); });
    EXPECT_EQ(got, want) << text;
  }
}

// The grouping hint, by query: the labels its range aggregations' series are read for ("*": all).
TEST(LogqlParserStructureTest, RangeAggregationsOfWhichTheQueryReadsAGrouping) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {R"(sum by (b, c) (count_over_time({a="x"} | json [5m])))", {"b,c"}},
      {R"(sum by (b) (rate({a="x"} | json [5m])) / ignoring(b) group_left sum(rate({a="x"}[5m])))",
       {"b", "*"}},
      {R"(avg_over_time({a="x"} | json | unwrap n [5m]) by (b))", {"b"}},
      {R"(sum(quantile_over_time(0.9, {a="x"} | json | unwrap n [5m]) by (b)))", {"b"}},
      // Merging series would change these: every label is read.
      {R"(sum by (b) (avg_over_time({a="x"} | json | unwrap n [5m])))", {"*"}},
      {R"(max by (b) (count_over_time({a="x"} | json [5m])))", {"*"}},
      {R"(sum without (b) (count_over_time({a="x"} | json [5m])))", {"*"}},
      {R"(avg_over_time({a="x"} | json | unwrap n [5m]) without (b))", {"*"}},
      {R"(sum(count_over_time({a="x"} | json [5m])))", {"*"}},  // The "no labels" hint instead.
  };
  for (const auto& [text, want] : cases) {
    absl::StatusOr<Query> q = Parse(text, Limits());
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    std::vector<std::string> got;
    ForEachRangeAggregation(*q->metric, [&](const RangeAggregation& r) {
      got.push_back(r.labels_read ? absl::StrJoin(*r.labels_read, ",") : "*");
    });
    EXPECT_EQ(got, want) << text;
  }
}

TEST(LogqlParserStructureTest, UnwrapWithConversionGroupingAndErrorFilter) {
  absl::StatusOr<Query> q = Parse(
      R"(quantile_over_time(0.99, {app="api"} |= "GET" | unwrap duration(latency) | __error__="" [5m]) by (route))",
      Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  const auto* leaf = q->metric->As<promql::LeafExpr>();
  ASSERT_NE(leaf, nullptr);
  const auto* range = dynamic_cast<const RangeAggregation*>(leaf->leaf.get());
  ASSERT_NE(range, nullptr);
  EXPECT_EQ(range->op, RangeOp::kQuantileOverTime);
  EXPECT_EQ(range->parameter, 0.99);
  ASSERT_TRUE(range->unwrap.has_value());
  EXPECT_EQ(range->unwrap->label, "latency");
  EXPECT_EQ(range->unwrap->conversion, Unwrap::Conversion::kDuration);
  ASSERT_EQ(range->unwrap->filters.size(), 1u);
  EXPECT_EQ(range->unwrap->filters[0].ToString(), R"(__error__="")");
  EXPECT_TRUE(range->grouped);
  EXPECT_EQ(range->grouping, (std::vector<std::string>{"route"}));
}

TEST(LogqlParserStructureTest, OperatorsFollowLokiPrecedence) {
  // Loki's (and Prometheus's) precedence: ^ over * / % over + - over comparisons over
  // and/unless over or; ^ is right-associative, the others left-associative.
  const std::pair<std::string, std::string> cases[] = {
      {"1 + 2 * 3 ^ 2 ^ 2", "1 + 2 * 3 ^ 2 ^ 2"},
      {R"(count_over_time({a="b"}[1m]) > 1 + 2)", R"(count_over_time({a="b"}[1m]) > 1 + 2)"},
      {R"(rate({a="b"}[1m]) or rate({a="c"}[1m]) and rate({a="d"}[1m]))",
       R"(rate({a="b"}[1m]) or rate({a="c"}[1m]) and rate({a="d"}[1m]))"},
  };
  for (const auto& [text, canonical] : cases) {
    absl::StatusOr<Query> q = Parse(text, Limits());
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    EXPECT_EQ(ToString(*q), canonical);
  }
  absl::StatusOr<Query> q = Parse("1 + 2 * 3 ^ 2 ^ 2", Limits());
  const auto* plus = q->metric->As<promql::BinaryExpr>();
  ASSERT_NE(plus, nullptr);
  EXPECT_EQ(plus->op, promql::BinaryOp::kAdd);
  const auto* times = plus->rhs->As<promql::BinaryExpr>();
  ASSERT_NE(times, nullptr);
  EXPECT_EQ(times->op, promql::BinaryOp::kMul);
  const auto* pow = times->rhs->As<promql::BinaryExpr>();
  ASSERT_NE(pow, nullptr);
  EXPECT_EQ(pow->op, promql::BinaryOp::kPow);
  EXPECT_NE(pow->rhs->As<promql::BinaryExpr>(), nullptr);  // 3 ^ (2 ^ 2)
  q = Parse(R"(rate({a="b"}[1m]) or rate({a="c"}[1m]) and rate({a="d"}[1m]))", Limits());
  const auto* or_op = q->metric->As<promql::BinaryExpr>();
  ASSERT_NE(or_op, nullptr);
  EXPECT_EQ(or_op->op, promql::BinaryOp::kOr);
  EXPECT_EQ(or_op->rhs->As<promql::BinaryExpr>()->op, promql::BinaryOp::kAnd);
}

TEST(LogqlParserStructureTest, NestingUpToTheLimitParses) {
  std::string query = R"(rate({a="b"}[1m]))";
  for (int i = 0; i < 30; ++i) query = "sum(" + query + ")";
  EXPECT_TRUE(Parse(query, Limits()).ok());
}

}  // namespace
}  // namespace vigie::logql
