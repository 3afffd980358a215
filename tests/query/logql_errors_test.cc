// Invalid LogQL queries: each fails with a parse error at the expected byte offset whose message
// says what was expected (and found), and names the same position as line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "query/logql/parser.h"

namespace vigie::logql {
namespace {

using testing::HasSubstr;

struct ErrorCase {
  const char* query;
  size_t offset;
  const char* message;  // A substring of the error message.
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.query; }

const ErrorCase kErrors[] = {
    {"", 0, "expected a stream selector such as {service=\"api\"} or a metric query"},
    {"  # only a comment", 18, "found the end of the query"},
    {"  service=\"api\"", 2, "unexpected 'service': a metric query is made of range aggregations"},
    {"{}", 1, "expected a label matcher such as service=\"api\""},
    {R"({a="x")", 6, "expected ',' or '}' after a label matcher, found the end of the query"},
    {R"({a="x", })", 8, "expected a label name, found '}'"},
    {R"({1a="x"})", 1, "expected a label name, found '1a'"},
    {R"({a=x})", 3, "expected a string after \"=\", found 'x'"},
    {R"({a~"x"})", 2, "expected '=', '!=', '=~' or '!~' after label name 'a', found '~'"},
    {R"({a="x} |= "y")", 12, "unterminated string: no closing \""},
    {R"({a="x)", 3, "unterminated string"},
    {R"({a="\d"})", 4, "unknown escape sequence \"\\d\""},
    {R"({a="x"} |= "\xZZ")", 12, "needs 2 hexadecimal digits"},
    {R"({a="x"} |= "\uD800")", 12, "not a valid Unicode code point"},
    {"{a=\"x\n\"}", 5, "newline in a double-quoted string"},
    {R"({a="x"} |= )", 11, "expected a string after \"|=\", found the end of the query"},
    {R"({a="x"} |~ foo)", 11, "expected a string after \"|~\", found 'foo'"},
    {R"({a=~"("})", 4, "invalid regex \"(\": missing ): ("},
    {R"({a="x"} |~ "a++")", 11, "invalid regex"},
    {R"({a=""})", 0, "queries require at least one regexp or equality matcher"},
    {R"({a=~".*", b!="x", c!~"y"})", 0, "empty-compatible value"},
    {R"({a="x"}[5m])", 7, "must be inside a function such as count_over_time"},
    {R"({a="x"} |= "a" or ip("10.0.0.0/33"))", 21, "ip: invalid pattern \"10.0.0.0/33\""},
    {R"({a="x"} |~ "a" or "(")", 18, "invalid regex \"(\""},
    {R"({a="x"} |= ip(10))", 14, "expected a string in ip(...)"},
    {R"({a="x"} |= ip("1.2.3.4")", 23, "expected ')' closing ip(...)"},
    {R"({a="x"} |~ ip("1.2.3.4"))", 14, "ip() works with |= and != only, not |~"},
    {R"({a="x"} |> "<_><_>")", 11, "follows <_> directly"},
    {R"({a="x"} !> "<a> x")", 11, "named capture <a> is not allowed in a line filter"},
    {R"({a="x"} |= "a" or)", 15, "expected the end of the log query"},
    {R"({a="x"} | distinct a)", 10, "the stage 'distinct' is not supported"},
    {R"(count_over_time({a="x"}))", 23, "expected a range such as [5m] after the log selector"},
    {R"(rate({a="x"}[5x]))", 13, "invalid range: duration \"5x\""},
    {R"(rate({a="x"}[0s]))", 13, "the range must be positive"},
    {R"(rate({a="x"}[5m:1m]))", 13, "invalid range"},
    {R"(rate({a="x"}[5m))", 12, "expected ']' to close the range"},
    {R"(rate({a="x"}[5m] offset))", 23, "expected a duration such as 1h after 'offset'"},
    {R"(rate({a="x"}[5m])", 16, "expected ')' closing rate(, found the end of the query"},
    {R"(sum({a="x"}))", 4, "a log query cannot be used in a metric query as it is"},
    {R"({a="x"} > 10)", 8, "expected the end of the log query (operators apply to metric"},
    {R"(sum by (a) (rate({a="x"}[1m])) by (b))", 31, "unexpected <by>"},
    {R"(sum by a (rate({a="x"}[1m])))", 7, "unexpected identifier \"a\" in grouping opts"},
    {R"({a="x"} {b="y"})", 8, "expected the end of the log query"},
    {"\x01", 0, "unexpected character: '\\x01'"},
    // Range aggregations take an unwrap, a parameter and a grouping where Loki allows them.
    {R"(sum_over_time({a="x"}[5m]))", 0, "invalid aggregation sum_over_time without unwrap"},
    {R"(count_over_time({a="x"} | unwrap v [5m]))", 0,
     "invalid aggregation count_over_time with unwrap"},
    {R"(count_over_time({a="x"}[5m]) by (a))", 0,
     "grouping not allowed for count_over_time aggregation"},
    {R"(quantile_over_time({a="x"} | unwrap v [5m]))", 19, "expected the quantile such as 0.99"},
    {R"(rate(5, {a="x"}[5m]))", 5, "parameter 5 not supported for operation rate"},
    {R"(max_over_time({a="x"} | unwrap seconds(v) [5m]))", 31,
     "unknown unwrap conversion 'seconds'"},
    {R"(max_over_time({a="x"} | unwrap v | unwrap w [5m]))", 33, "takes one unwrap only"},
    {R"(max_over_time({a="x"} | unwrap v | w > 1 [5m]))", 37, "expected '=', '!=', '=~' or '!~'"},
    // The operator layer: what LogQL has of PromQL.
    {R"(rate({a="x"}[5m])[10m:1m])", 17, "\"[\" is not supported here in LogQL"},
    {R"(sum(rate({a="x"}[5m])) offset 1h)", 23, "is not supported here in LogQL"},
    {R"(count_values("v", rate({a="x"}[5m])))", 0,
     "aggregation \"count_values\" is not supported in LogQL"},
    {R"(group(rate({a="x"}[5m])))", 0, "aggregation \"group\" is not supported in LogQL"},
    {R"(histogram_quantile(0.9, rate({a="x"}[5m])))", 0,
     "unknown function with name \"histogram_quantile\""},
    {R"(rate({a="x"}[5m]) atan2 2)", 18, "unexpected <op:atan2>"},
    {"1 > 2", 2, "comparisons between scalars must use BOOL modifier"},
    {R"(rate({a="x"}[5m]) + on(a) group_left rate({a="x"}[5m]) and)", 58,
     "unexpected end of input"},
    {R"(topk(rate({a="x"}[5m])))", 0, "wrong number of arguments for aggregate expression"},
    {R"(label_replace(rate({a="x"}[5m]), "dst", "$1", "src"))", 0,
     "expected 5 argument(s) in call to \"label_replace\", got 4"},
    {R"("text")", 0, "a query must be a log query or return numbers, not a string"},
};

class ParserErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrorTest, NamesPositionAndWhatWasExpected) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<Query> query = Parse(c.query, Limits());
  ASSERT_FALSE(query.ok()) << c.query;
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOffset(query.status()), c.offset) << query.status();
  // These queries are one line of ASCII before the error, so the column is offset + 1.
  EXPECT_THAT(std::string(query.status().message()),
              HasSubstr(absl::StrCat("parse error at line 1, col ", c.offset + 1, ": ")));
  EXPECT_THAT(std::string(query.status().message()), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(Logql, ParserErrorTest, testing::ValuesIn(kErrors));

TEST(LogqlParserErrorPositionTest, CountsLinesAndCharacters) {
  absl::Status s = Parse("{a=\"x\"}\n  |= 5", Limits()).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("line 2, col 6: expected a string"));
  EXPECT_EQ(ErrorOffset(s), 13u);
  // "é" is two bytes but one column.
  s = Parse("{a=\"\xC3\xA9\"} |= 5", Limits()).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("line 1, col 12:"));
  EXPECT_EQ(ErrorOffset(s), 12u);
}

TEST(LogqlParserLimitsTest, RejectsLongQueriesWithoutOffset) {
  Limits limits;
  limits.max_query_bytes = 16;
  absl::Status s = Parse(R"({service="api"} |= "timeout")", limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("more than the limit of 16"));
  EXPECT_EQ(ErrorOffset(s), std::nullopt);
  EXPECT_TRUE(Parse(R"({service="api"})", limits).ok());
}

TEST(LogqlParserLimitsTest, RejectsComplexRegexes) {
  Limits limits;
  limits.max_regex_program_size = 100;
  absl::Status s = Parse(R"({a="x"} |~ "(abc|def|ghi){20}")", limits).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("regex too complex"));
  EXPECT_EQ(ErrorOffset(s), 11u);
  s = Parse(R"({a=~"[a-z]{150}"})", limits).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("regex too complex"));
  EXPECT_EQ(ErrorOffset(s), 4u);
}

TEST(LogqlParserLimitsTest, CapsNesting) {
  std::string deep(100000, '(');
  absl::Status s = Parse(deep, Limits()).status();  // Longer than the default limit.
  EXPECT_FALSE(s.ok());
  deep = std::string(1000, '(');
  s = Parse(deep, Limits()).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("nests deeper than"));
  std::string sums;
  for (int i = 0; i < 1000; ++i) sums += "sum(";
  s = Parse(sums, Limits()).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("nests deeper than"));
}

TEST(LogqlErrorOffsetTest, OnlyForParseErrors) {
  EXPECT_EQ(ErrorOffset(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(ErrorOffset(absl::InvalidArgumentError("x")), std::nullopt);
  EXPECT_EQ(ErrorOffset(ParseError("abc", 2, "x")), 2u);
  EXPECT_EQ(ErrorOffset(ParseError("abc", 9, "x")), 3u);  // Clamped to the query.
}

}  // namespace
}  // namespace vigie::logql
