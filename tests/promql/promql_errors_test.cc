// Invalid PromQL expressions: each fails with a parse error at the expected byte offset whose
// message is Prometheus's (or says what was expected), and that names the same position as
// line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/strings.h"
#include "query/promql/parser.h"

namespace vigie::promql {
namespace {

struct ErrorCase {
  const char* query;
  size_t offset;
  const char* message;  // The whole message after "parse error at line L, col C: ".
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.query; }

const ErrorCase kErrors[] = {
    // Lexical errors.
    {"", 0, "no expression found in input"},
    {"   # only a comment", 19, "no expression found in input"},
    {"foo $ bar", 4, "unexpected character: '$'"},
    {"foo\x01", 3, "unexpected character: '\\x01'"},
    {"sum(foo", 7, "unclosed left parenthesis"},
    {"foo)", 3, "unexpected right parenthesis ')'"},
    {"foo[5m", 6, "unclosed left bracket"},
    {"foo]", 3, "unexpected right bracket ']'"},
    {"foo[5m[5m]]", 6, "unexpected left bracket '['"},
    {"foo{a=\"b\"", 9, "unexpected end of input inside braces"},
    {"foo{a=\"b\" + 1}", 10, "unexpected character inside braces: '+'"},
    {"foo{a!\"b\"}", 5, "unexpected character after '!' inside braces: '\"'"},
    {"foo{{a=\"b\"}}", 4, "unexpected left brace '{'"},
    {"foo !~ bar", 4, "unexpected character after '!': '~'"},
    {"foo =~ bar", 4, "unexpected character after '=': '~'"},
    {"foo{a=\"b}", 6, "unterminated string: no closing \""},
    {"foo{a='b}", 6, "unterminated string: no closing '"},
    {"foo{a=`b}", 6, "unterminated raw string"},
    {"foo{a=\"b\nc\"}", 8, "newline in a double-quoted string (write \\n, or use a `raw` string)"},
    {"foo{a=\"\\q\"}", 7,
     "unknown escape sequence \"\\q\" in a double-quoted string (write \\\\ for a backslash, or "
     "use a `raw` string)"},
    {"foo{a=\"\\'\"}", 7,
     "unknown escape sequence \"\\'\" in a double-quoted string (write \\\\ for a backslash, or "
     "use a `raw` string)"},
    {"foo{a='\\\"'}", 7,
     "unknown escape sequence \"\\\"\" in a single-quoted string (write \" alone)"},
    {"foo{a='x\\q'}", 8,
     "unknown escape sequence \"\\q\" in a double-quoted string (write \\\\ for a backslash, or "
     "use a `raw` string)"},
    {"foo{a=\"\\xZZ\"}", 7, "escape \"\\x\" needs 2 hexadecimal digits"},
    {"foo{a=\"\xff\"}", 7, "invalid UTF-8 in a string literal"},
    {"1x", 0, "bad number or duration syntax: \"1x\""},
    {"1.5.5", 3, "unexpected number \".5\""},
    {"foo[5]", 4, "missing unit character in duration"},
    {"foo[]", 4, "missing unit character in duration"},
    {"foo[x]", 4, "bad duration syntax: \"x\""},
    {"foo[5m:1m:]", 9, "unexpected colon ':'"},
    // Numbers and durations.
    {"1e", 0, "error parsing number \"1e\": invalid syntax"},
    {"0x", 0, "error parsing number \"0x\": invalid syntax"},
    {"0x1fffffffffffffffff", 0, "error parsing number \"0x1fffffffffffffffff\": invalid syntax"},
    {"1e999", 0, "error parsing number \"1e999\": value out of range"},
    {"foo[1.5h]", 4, "not a valid duration string: \"1.5h\""},
    {"foo[30m1h]", 4, "not a valid duration string: \"30m1h\""},
    {"foo[1h1h]", 4, "not a valid duration string: \"1h1h\""},
    {"foo[5ms5m]", 4, "not a valid duration string: \"5ms5m\""},
    {"foo[0s]", 4, "duration must be greater than 0"},
    {"foo[5m:0s]", 7, "duration must be greater than 0"},
    {"foo offset 0s", 11, "duration must be greater than 0"},
    {"foo[99999999999999y]", 4, "duration out of range"},
    {"1h", 0, "unexpected duration \"1h\""},
    {"foo + 5m", 6, "unexpected duration \"5m\""},
    // Selectors.
    {"{}", 0, "vector selector must contain at least one non-empty matcher"},
    {"{a=\"\"}", 0, "vector selector must contain at least one non-empty matcher"},
    {"{a=~\".*\", b!=\"x\", c!~\"y\"}", 0,
     "vector selector must contain at least one non-empty matcher"},
    {"foo{__name__=\"bar\"}", 0, "metric name must not be set twice: \"foo\" or \"bar\""},
    {"foo{a=~\"(\"}", 4, "invalid regex \"(\": missing ): ("},
    {"foo{a=\"b\" c=\"d\"}", 10,
     "unexpected identifier \"c\" in label matching, expected \",\" or \"}\""},
    {"foo{a}", 5, "unexpected \"}\" in label matching, expected label matching operator"},
    {"foo{a=b}", 6, "unexpected identifier \"b\" in label matching, expected string"},
    {"foo{,}", 4, "unexpected \",\" in label matching, expected identifier or \"}\""},
    {"foo{\"a\"=\"b\"}", 4,
     "unexpected string \"a\" in label matching, expected identifier or \"}\""},
    {"foo bar", 4, "unexpected identifier \"bar\""},
    {"foo{a=\"b\"} {c=\"d\"}", 11, "unexpected \"{\""},
    {"on", 0, "unexpected <on>"},
    {"foo + bool", 10, "unexpected end of input"},
    {"group_left", 0, "unexpected <group_left>"},
    {"inf{a=\"b\"}", 3, "unexpected \"{\""},
    // Ranges, subqueries, offset, @.
    {"sum(foo)[5m]", 8, "ranges only allowed for vector selectors"},
    {"(foo)[5m]", 5, "ranges only allowed for vector selectors"},
    {"foo[5m][5m]", 7, "ranges only allowed for vector selectors"},
    {"foo[5m:1m][5m]", 10, "ranges only allowed for vector selectors"},
    {"foo offset 5m [5m]", 14, "no offset modifiers allowed before range"},
    {"foo @ 10 [5m]", 9, "no @ modifiers allowed before range"},
    {"foo[5m 1m]", 7, "unexpected duration \"1m\" in subquery or range, expected \":\" or \"]\""},
    {"foo[5m:1m 1m]", 10, "unexpected duration \"1m\" in subquery selector, expected \"]\""},
    {"foo offset", 10, "unexpected end of input in offset, expected duration"},
    {"foo offset 5", 11, "unexpected number \"5\" in offset, expected duration"},
    {"sum(foo) offset 5m", 0,
     "offset modifier must be preceded by an instant vector selector or range vector selector or "
     "a subquery"},
    {"1 offset 5m", 0,
     "offset modifier must be preceded by an instant vector selector or range vector selector or "
     "a subquery"},
    {"foo offset 5m offset 1m", 0, "offset may not be set multiple times"},
    {"foo[5m] offset 5m offset 1m", 0, "offset may not be set multiple times"},
    {"foo @", 5, "unexpected end of input in @, expected timestamp"},
    {"foo @ bar", 6, "unexpected identifier \"bar\" in @, expected timestamp"},
    {"foo @ start", 11, "unexpected end of input in @, expected \"(\""},
    {"foo @ end(1)", 10, "unexpected number \"1\" in @, expected \")\""},
    {"foo @ Inf", 0, "timestamp out of bounds for @ modifier: +Inf"},
    {"foo @ NaN", 0, "timestamp out of bounds for @ modifier: NaN"},
    {"foo @ 1e300", 0, "timestamp out of bounds for @ modifier: 1e+300"},
    {"rate(foo[5m]) @ 10", 0,
     "@ modifier must be preceded by an instant vector selector or range vector selector or a "
     "subquery"},
    {"foo @ 10 @ 20", 0, "@ <timestamp> may not be set multiple times"},
    {"foo @ start() @ end()", 0, "@ <timestamp> may not be set multiple times"},
    // Functions.
    {"foo()", 0, "unknown function with name \"foo\""},
    {"Rate(foo[5m])", 0, "unknown function with name \"Rate\""},
    {"rate(foo[5m],)", 12, "trailing commas not allowed in function call args"},
    {"rate(foo[5m] bar)", 13,
     "unexpected identifier \"bar\" in call to function \"rate\", expected \",\" or \")\""},
    {"rate()", 0, "expected 1 argument(s) in call to \"rate\", got 0"},
    {"rate(foo[5m], foo[5m])", 0, "expected 1 argument(s) in call to \"rate\", got 2"},
    {"time(1)", 0, "expected 0 argument(s) in call to \"time\", got 1"},
    {"round()", 0, "expected at least 1 argument(s) in call to \"round\", got 0"},
    {"round(foo, 1, 2)", 0, "expected at most 2 argument(s) in call to \"round\", got 3"},
    {"hour(foo, bar)", 0, "expected at most 1 argument(s) in call to \"hour\", got 2"},
    {"label_join(foo, \"a\")", 0,
     "expected at least 3 argument(s) in call to \"label_join\", got 2"},
    {"rate(foo)", 5, "expected type range vector in call to function \"rate\", got instant vector"},
    {"abs(foo[5m])", 4,
     "expected type instant vector in call to function \"abs\", got range vector"},
    {"vector(foo)", 7, "expected type scalar in call to function \"vector\", got instant vector"},
    {"histogram_quantile(foo, bar)", 19,
     "expected type scalar in call to function \"histogram_quantile\", got instant vector"},
    {"label_replace(foo, \"a\", \"b\", \"c\", 1)", 34,
     "expected type string in call to function \"label_replace\", got scalar"},
    {"label_join(foo, \"a\", \",\", \"b\", 1)", 31,
     "expected type string in call to function \"label_join\", got scalar"},
    {"clamp(foo, \"a\", 1)", 11, "expected type scalar in call to function \"clamp\", got string"},
    {"rate(rate(foo))", 10,
     "expected type range vector in call to function \"rate\", got instant vector"},
    {"max_over_time(rate(foo[5m]))", 14,
     "expected type range vector in call to function \"max_over_time\", got instant vector"},
    // Aggregations.
    {"sum()", 0, "no arguments for aggregate expression provided"},
    {"sum(foo, bar)", 0,
     "wrong number of arguments for aggregate expression provided, expected 1, got 2"},
    {"topk(foo)", 0,
     "wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {"sum(foo[5m])", 4, "expected type instant vector in aggregation expression, got range vector"},
    {"sum(1)", 4, "expected type instant vector in aggregation expression, got scalar"},
    {"topk(\"a\", foo)", 5, "expected type scalar in aggregation parameter, got string"},
    {"quantile(foo, foo)", 9, "expected type scalar in aggregation parameter, got instant vector"},
    {"count_values(1, foo)", 13, "expected type string in aggregation parameter, got scalar"},
    {"sum by (a) (foo) by (b)", 17, "unexpected <by>"},
    {"sum by a (foo)", 7, "unexpected identifier \"a\" in grouping opts, expected \"(\""},
    {"sum by (a b) (foo)", 10,
     "unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
    {"sum by (a:b) (foo)", 8,
     "unexpected metric identifier \"a:b\" in grouping opts, expected label"},
    {"sum by (1) (foo)", 8, "unexpected number \"1\" in grouping opts, expected label"},
    {"sum by (a) foo", 11, "unexpected identifier \"foo\" in aggregation, expected \"(\""},
    // Binary operators.
    {"1 == 1", 2, "comparisons between scalars must use BOOL modifier"},
    {"1 + bool 2", 2, "bool modifier can only be used on comparison operators"},
    {"foo + bool bar", 4, "bool modifier can only be used on comparison operators"},
    {"foo and 1", 0, "set operator \"and\" not allowed in binary scalar expression"},
    {"1 or foo", 0, "set operator \"or\" not allowed in binary scalar expression"},
    {"foo and on (a) group_left bar", 0, "no grouping allowed for \"and\" operation"},
    {"foo unless ignoring (a) group_right (b) bar", 0,
     "no grouping allowed for \"unless\" operation"},
    {"1 + on (a) foo", 0, "vector matching only allowed between instant vectors"},
    {"foo * on (a) group_left (a) bar", 4,
     "label \"a\" must not occur in ON and GROUP clause at once"},
    {"foo[5m] + 1", 0, "binary expression must contain only scalar and instant vector types"},
    {"1 + \"a\"", 4, "binary expression must contain only scalar and instant vector types"},
    {"foo + on a bar", 9, "unexpected identifier \"a\" in grouping opts, expected \"(\""},
    {"foo + group_left bar", 6, "unexpected <group_left>"},
    {"foo + on (a) bool bar", 13, "unexpected <bool>"},
    {"foo +", 5, "unexpected end of input"},
    {"foo + * bar", 6, "unexpected <op:*>"},
    {"-\"a\"", 0,
     "unary expression only allowed on expressions of type scalar or instant vector, got "
     "\"string\""},
    {"-foo[5m]", 0,
     "unary expression only allowed on expressions of type scalar or instant vector, got \"range "
     "vector\""},
    {"foo[5m:][5m:]", 0, "subquery is only allowed on instant vector, got matrix instead"},
    {"1[5m:]", 0, "subquery is only allowed on instant vector, got scalar instead"},
    {"(1 2)", 3, "unexpected number \"2\", expected \")\""},
    // The position counts lines and characters.
    {"sum(\n  rate(foo)\n)", 12,
     "expected type range vector in call to function \"rate\", got instant vector"},
};

class ErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, NamesPositionAndProblem) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<ExprPtr> expr = Parse(c.query, Limits());
  ASSERT_FALSE(expr.ok()) << ToString(**expr);
  EXPECT_EQ(expr.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<size_t> offset = logql::ErrorOffset(expr.status());
  ASSERT_TRUE(offset.has_value()) << expr.status();
  EXPECT_EQ(*offset, c.offset) << expr.status();
  std::string_view query = c.query;
  size_t line = 1 + std::count(query.begin(), query.begin() + c.offset, '\n');
  size_t newline = query.substr(0, c.offset).rfind('\n');
  size_t col = newline == std::string_view::npos ? c.offset + 1 : c.offset - newline;
  EXPECT_EQ(std::string(expr.status().message()),
            StrCat("parse error at line ", line, ", col ", col, ": ", c.message));
}

INSTANTIATE_TEST_SUITE_P(Invalid, ErrorTest, testing::ValuesIn(kErrors));

}  // namespace
}  // namespace vigie::promql
