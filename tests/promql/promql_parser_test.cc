// Valid PromQL expressions: each parses, prints in canonical form (Prometheus's printer form),
// and the canonical form parses back to the same text. The cases cover every construct of the
// grammar in docs/promql.md.
#include <gtest/gtest.h>

#include "query/promql/parser.h"

namespace vigie::promql {
namespace {

struct ValidCase {
  const char* query;
  const char* canonical;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.query; }

const ValidCase kValid[] = {
    // Selectors: name, braces, each matcher, __name__, trailing comma, keywords as names.
    {"foo", "foo"},
    {"foo{}", "foo"},
    {"foo:bar:rate5m", "foo:bar:rate5m"},
    {R"(foo{a="b"})", R"(foo{a="b"})"},
    {R"(foo{ a = "b" , c != "d", e =~ "f.*", g !~ "h|i", })",
     R"(foo{a="b",c!="d",e=~"f.*",g!~"h|i"})"},
    {R"(foo{z="1", a="2"})", R"(foo{a="2",z="1"})"},
    {R"({__name__="foo"})", R"({__name__="foo"})"},
    {R"({__name__=~"foo|bar", job="x"})", R"({__name__=~"foo|bar",job="x"})"},
    {R"({a=~".+"})", R"({a=~".+"})"},
    {R"({a!=""})", R"({a!=""})"},
    {R"({a="", b="x"})", R"({a="",b="x"})"},
    {R"(foo{a=""})", R"(foo{a=""})"},
    {R"(foo{by="x", offset="y", sum="z"})", R"(foo{by="x",offset="y",sum="z"})"},
    {"sum", "sum"},
    {"by", "by"},
    {"offset", "offset"},
    {"start", "start"},
    {R"(avg{a="b"})", R"(avg{a="b"})"},
    {"sum + 1", "sum + 1"},
    // Strings: three quote kinds, Go escapes, unicode.
    {R"(foo{a='b'})", R"(foo{a="b"})"},
    {R"(foo{a=`b\d`})", R"(foo{a="b\\d"})"},
    {R"(foo{a="tab\there"})", R"(foo{a="tab\there"})"},
    {R"(foo{a='it\'s "x"'})", R"(foo{a="it's \"x\""})"},
    {R"(foo{a="\x41\101\u00e9\U0001F600"})", R"(foo{a="AAé😀"})"},
    {R"("a string")", R"("a string")"},
    {R"('single')", R"("single")"},
    {"`raw\\n`", R"("raw\\n")"},
    {R"x(label_replace(up, "dst", "$1", "src", "(.*)"))x",
     R"x(label_replace(up, "dst", "$1", "src", "(.*)"))x"},
    // Numbers in every form.
    {"1", "1"},
    {"1.5", "1.5"},
    {".5", "0.5"},
    {"5.", "5"},
    {"1e3", "1000"},
    {"1E-3", "0.001"},
    {"1.5e+2", "150"},
    {"0x1F", "31"},
    {"0XfF", "255"},
    {"010", "8"},
    {"09", "9"},
    {"0", "0"},
    {"1e6", "1e+06"},
    {"123456", "123456"},
    {"1234567", "1.234567e+06"},
    {"0.0001", "0.0001"},
    {"0.00001", "1e-05"},
    {"Inf", "+Inf"},
    {"inf", "+Inf"},
    {"-Inf", "-Inf"},
    {"+inf", "+Inf"},
    {"NaN", "NaN"},
    {"nAn", "NaN"},
    {"-1", "-1"},
    {"+1", "1"},
    {"- 1", "-1"},
    {"--1", "1"},
    {"-0", "-0"},
    {"99999999999999999999", "1e+20"},
    // Range vectors, offset, @.
    {"foo[5m]", "foo[5m]"},
    {"foo[ 5m ]", "foo[5m]"},
    {"foo[1h30m]", "foo[1h30m]"},
    {"foo[90m]", "foo[1h30m]"},
    {"foo[7d]", "foo[1w]"},
    {"foo[8d]", "foo[8d]"},
    {"foo[365d]", "foo[1y]"},
    {"foo[1500ms]", "foo[1s500ms]"},
    {"foo[1y2w3d4h5m6s7ms]", "foo[382d4h5m6s7ms]"},
    {"foo[1y]", "foo[1y]"},
    {"foo[2w]", "foo[2w]"},
    {"foo offset 5m", "foo offset 5m"},
    {"foo OFFSET 5m", "foo offset 5m"},
    {"foo offset -5m", "foo offset -5m"},
    {"foo offset - 1h", "foo offset -1h"},
    {"foo[5m] offset 1h", "foo[5m] offset 1h"},
    {"foo @ 1609746000", "foo @ 1609746000.000"},
    {"foo @ 1609746000.5", "foo @ 1609746000.500"},
    {"foo @ -10", "foo @ -10.000"},
    {"foo @ +10", "foo @ 10.000"},
    {"foo @ 0x10", "foo @ 16.000"},
    {"foo @ 1.0001", "foo @ 1.000"},
    {"foo @ start()", "foo @ start()"},
    {"foo @ end ( )", "foo @ end()"},
    {"foo @ START()", "foo @ start()"},
    {"foo @ 100 offset 5m", "foo @ 100.000 offset 5m"},
    {"foo offset 5m @ 100", "foo @ 100.000 offset 5m"},
    {"foo[5m] @ end() offset -1m", "foo[5m] @ end() offset -1m"},
    {"foo[5m] offset 1m @ 100", "foo[5m] @ 100.000 offset 1m"},
    // Subqueries.
    {"foo[30m:1m]", "foo[30m:1m]"},
    {"foo[30m:]", "foo[30m:]"},
    {"foo[ 30m : 1m ]", "foo[30m:1m]"},
    {"rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]"},
    {"rate(foo[5m])[30m:1m] offset 1h @ 100", "rate(foo[5m])[30m:1m] @ 100.000 offset 1h"},
    {"foo offset 5m [30m:]", "foo offset 5m[30m:]"},
    {"max_over_time(rate(foo[5m])[1h:])", "max_over_time(rate(foo[5m])[1h:])"},
    {"min_over_time((foo + bar)[10m:30s])", "min_over_time((foo + bar)[10m:30s])"},
    {"sum(foo)[5m:] @ start()", "sum(foo)[5m:] @ start()"},
    // Functions: every arity form.
    {"time()", "time()"},
    {"pi()", "pi()"},
    {"rate(foo[5m])", "rate(foo[5m])"},
    {"rate ( foo [5m] )", "rate(foo[5m])"},
    {"histogram_quantile(0.9, rate(foo_bucket[5m]))",
     "histogram_quantile(0.9, rate(foo_bucket[5m]))"},
    {"round(foo)", "round(foo)"},
    {"round(foo, 5)", "round(foo, 5)"},
    {"hour()", "hour()"},
    {"hour(foo)", "hour(foo)"},
    {R"(label_join(foo, "dst", ","))", R"(label_join(foo, "dst", ","))"},
    {R"(label_join(foo, "dst", ",", "a", "b", "c"))",
     R"(label_join(foo, "dst", ",", "a", "b", "c"))"},
    {"clamp(foo, 0, 1)", "clamp(foo, 0, 1)"},
    {"holt_winters(foo[1h], 0.5, 0.5)", "holt_winters(foo[1h], 0.5, 0.5)"},
    {"quantile_over_time(0.5, foo[1h])", "quantile_over_time(0.5, foo[1h])"},
    {"predict_linear(foo[1h], 3600)", "predict_linear(foo[1h], 3600)"},
    {"vector(1)", "vector(1)"},
    {"scalar(foo)", "scalar(foo)"},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})"},
    {"abs(-foo)", "abs(-foo)"},
    // Aggregations: grouping before or after, parameters, keywords in any case.
    {"sum(foo)", "sum(foo)"},
    {"SUM(foo)", "sum(foo)"},
    {"sum by (a, b) (foo)", "sum by (a, b) (foo)"},
    {"sum(foo) by (a, b)", "sum by (a, b) (foo)"},
    {"sum by (a,) (foo)", "sum by (a) (foo)"},
    {"sum BY (a) (foo)", "sum by (a) (foo)"},
    {"sum without (a) (foo)", "sum without (a) (foo)"},
    {"sum without () (foo)", "sum without () (foo)"},
    {"sum by () (foo)", "sum(foo)"},
    {"sum by (sum, by, on, bool, offset, Inf2) (foo)",
     "sum by (sum, by, on, bool, offset, Inf2) (foo)"},
    {"topk(5, foo)", "topk(5, foo)"},
    {"bottomk by (a) (5, foo)", "bottomk by (a) (5, foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"},
    {R"(count_values("value", foo))", R"(count_values("value", foo))"},
    {R"(count_values without (a) ("v", foo))", R"(count_values without (a) ("v", foo))"},
    {"avg(foo)", "avg(foo)"},
    {"count(foo)", "count(foo)"},
    {"min(foo)", "min(foo)"},
    {"max(foo)", "max(foo)"},
    {"group(foo)", "group(foo)"},
    {"stddev(foo)", "stddev(foo)"},
    {"stdvar(foo)", "stdvar(foo)"},
    {"topk(scalar(bar), foo)", "topk(scalar(bar), foo)"},
    {"sum(sum by (a) (rate(foo[5m])))", "sum(sum by (a) (rate(foo[5m])))"},
    // Binary operators, precedence and associativity (the canonical form keeps the written
    // parentheses; the structure shows in the cases below and in promql_precedence_test.cc).
    {"foo + bar", "foo + bar"},
    {"foo+bar*baz", "foo + bar * baz"},
    {"1 + 2 * 3 ^ 4 ^ 5", "1 + 2 * 3 ^ 4 ^ 5"},
    {"foo atan2 bar", "foo atan2 bar"},
    {"foo ATAN2 bar", "foo atan2 bar"},
    {"foo % bar / baz", "foo % bar / baz"},
    {"foo == bar", "foo == bar"},
    {"foo != bar", "foo != bar"},
    {"foo > bar", "foo > bar"},
    {"foo < bar", "foo < bar"},
    {"foo >= bar", "foo >= bar"},
    {"foo <= bar", "foo <= bar"},
    {"foo > 1", "foo > 1"},
    {"1 < foo", "1 < foo"},
    {"foo == bool 1", "foo == bool 1"},
    {"1 == bool 2", "1 == bool 2"},
    {"foo and bar", "foo and bar"},
    {"foo AND bar or baz unless qux", "foo and bar or baz unless qux"},
    {"foo + on (a, b) bar", "foo + on (a, b) bar"},
    {"foo + on () bar", "foo + on () bar"},
    {"foo + ignoring (a) bar", "foo + ignoring (a) bar"},
    {"foo + ignoring () bar", "foo + bar"},
    {"foo * on (a) group_left bar", "foo * on (a) group_left () bar"},
    {"foo * on (a) group_left (b, c) bar", "foo * on (a) group_left (b, c) bar"},
    {"foo * ignoring (a) group_right (b) bar", "foo * ignoring (a) group_right (b) bar"},
    {"foo * ignoring () group_left bar", "foo * ignoring () group_left () bar"},
    {"foo > bool on (a) group_left (b) bar", "foo > bool on (a) group_left (b) bar"},
    {"foo and on (a) bar", "foo and on (a) bar"},
    {"foo or ignoring (a) bar", "foo or ignoring (a) bar"},
    {"1 + on () foo", "1 + foo"},
    {"1 + ignoring () group_left () foo", "1 + foo"},
    {"-foo", "-foo"},
    {"+foo", "+foo"},
    {"- -foo", "--foo"},
    {"-foo ^ 2", "-foo ^ 2"},
    {"-(foo)", "-(foo)"},
    {"(foo)", "(foo)"},
    {"((foo + bar)) * 2", "((foo + bar)) * 2"},
    {"2 ^ -1", "2 ^ -1"},
    {"foo - -1", "foo - -1"},
    {"Inf ^ 2", "Inf ^ 2"},
    {"foo - Inf ^ 2", "foo - Inf ^ 2"},
    {"Inf * 2", "+Inf * 2"},
    {"foo offset 5m + bar @ 10", "foo offset 5m + bar @ 10.000"},
    // Comments and line breaks.
    {"sum( # the total\n  rate(foo[5m]) # per second\n)", "sum(rate(foo[5m]))"},
    {"foo # trailing", "foo"},
};

class ValidTest : public testing::TestWithParam<ValidCase> {};

TEST_P(ValidTest, PrintsCanonicallyAndReadsBack) {
  const ValidCase& c = GetParam();
  Limits limits;
  absl::StatusOr<ExprPtr> expr = Parse(c.query, limits);
  ASSERT_TRUE(expr.ok()) << expr.status();
  std::string canonical = ToString(**expr);
  EXPECT_EQ(canonical, c.canonical);
  absl::StatusOr<ExprPtr> again = Parse(canonical, limits);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ToString(**again), canonical);
  EXPECT_EQ((*again)->type(), (*expr)->type());
}

INSTANTIATE_TEST_SUITE_P(Constructs, ValidTest, testing::ValuesIn(kValid));

}  // namespace
}  // namespace vigie::promql
