// What one query text can multiply is bounded: each case is a query, a time range and limits,
// and either passes or fails with a message naming the bound and its flag.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/time.h"
#include "query/logql/parser.h"
#include "query/logql/query_bounds.h"

namespace vigie::logql {
namespace {

using testing::HasSubstr;

constexpr int64_t kT0 = 1'700'000'000LL * kNanosPerSecond;
constexpr int64_t kDay = 86400LL * kNanosPerSecond;

std::string Repeat(std::string_view piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

struct BoundsCase {
  std::string query;
  int64_t range_ns;     // The query's time range: [kT0, kT0 + range_ns].
  const char* message;  // Empty: accepted; otherwise a substring of the error.
};

void PrintTo(const BoundsCase& c, std::ostream* os) { *os << c.query.substr(0, 80); }

class QueryBoundsTest : public testing::TestWithParam<BoundsCase> {};

TEST_P(QueryBoundsTest, ChecksAgainstTheDefaultLimits) {
  const BoundsCase& c = GetParam();
  Limits limits;  // max_query_range 31d, 64 line filters, 64 matchers.
  absl::StatusOr<Query> query = Parse(c.query, limits);
  ASSERT_TRUE(query.ok()) << query.status();
  absl::Status status = CheckQueryBounds(*query, kT0, kT0 + c.range_ns, limits);
  if (std::string(c.message).empty()) {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, QueryBoundsTest,
    testing::Values(
        BoundsCase{R"(count_over_time({a="b"}[5m]))", kDay, ""},
        BoundsCase{R"(count_over_time({a="b"}[31d]))", 0, ""},
        BoundsCase{R"(count_over_time({a="b"}[100y]))", 0,
                   "the range [36500d] of count_over_time is longer than the limit of 31d "
                   "(--max-query-range)"},
        BoundsCase{R"(sum by (a) (rate({a="b"}[32d])))", 0, "the range [32d] of rate"},
        // The data read is the time range plus the range selector.
        BoundsCase{R"(count_over_time({a="b"}[1d]))", 30 * kDay, ""},
        BoundsCase{R"(count_over_time({a="b"}[2d]))", 30 * kDay,
                   "over the time range 30d plus its range [2d] reads 32d of logs, more than the "
                   "limit of 31d (--max-query-range)"},
        BoundsCase{R"(max(sum(bytes_rate({a="b"}[1d]))))", 31 * kDay, "reads 32d of logs"},
        BoundsCase{R"(count_over_time({a="b"}[1h] offset 30y))", 0, ""},
        // Line filters: 64 pass, 65 do not, in log and metric queries alike.
        BoundsCase{R"({a="b"})" + Repeat(R"( |= "a")", 64), kDay, ""},
        BoundsCase{R"({a="b"})" + Repeat(R"( |= "a")", 65), kDay,
                   "the query has 65 line filters and stages, more than the limit of 64 "
                   "(--max-line-filters-per-query)"},
        BoundsCase{R"({a="b"})" + Repeat(R"( |= "a")", 5000), kDay, "5000 line filters"},
        BoundsCase{R"(rate({a="b"}[1m])" + Repeat(R"( != "x")", 65) + ")", kDay, "65 line filters"},
        // Matchers.
        BoundsCase{"{a=\"b\"" + Repeat(R"(, c!="d")", 63) + "}", kDay, ""},
        BoundsCase{"{a=\"b\"" + Repeat(R"(, c!="d")", 64) + "}", kDay,
                   "the stream selector has 65 label matchers, more than the limit of 64 "
                   "(--max-matchers-per-query)"}));

TEST(QueryBoundsFlagsTest, LimitsComeFromTheConfiguration) {
  Limits limits;
  limits.max_line_filters_per_query = 2;
  limits.max_matchers_per_query = 1;
  limits.max_query_range_ns = 400 * kDay;
  auto check = [&](const std::string& text, int64_t range_ns) {
    absl::StatusOr<Query> query = Parse(text, limits);
    EXPECT_TRUE(query.ok()) << query.status();
    return CheckQueryBounds(*query, kT0, kT0 + range_ns, limits);
  };
  EXPECT_TRUE(check(R"(count_over_time({a="b"}[100d]))", 300 * kDay).ok());
  EXPECT_THAT(check(R"(count_over_time({a="b"}[101d]))", 300 * kDay).message(),
              HasSubstr("limit of 400d"));
  EXPECT_TRUE(check(R"({a="b"} |= "x" != "y")", kDay).ok());
  EXPECT_THAT(check(R"({a="b"} |= "x" != "y" |~ "z")", kDay).message(), HasSubstr("limit of 2"));
  EXPECT_THAT(check(R"({a="b", c="d"})", kDay).message(), HasSubstr("limit of 1"));
}

// start - offset - range must not wrap around: an offset of nearly 292 years from time 0.
TEST(QueryBoundsFlagsTest, AnOffsetBeforeAnyRepresentableTimeIsRefused) {
  Limits limits;
  absl::StatusOr<Query> query = Parse(R"(count_over_time({a="b"}[1h] offset 9223372036s))", limits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_THAT(CheckQueryBounds(*query, 0, 0, limits).message(),
              HasSubstr("of count_over_time reaches before any representable time"));
  EXPECT_TRUE(CheckQueryBounds(*query, kT0, kT0, limits).ok());
}

}  // namespace
}  // namespace vigie::logql
