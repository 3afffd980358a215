// Loki's HTTP API against a real vigied, for what a Loki user meets at the edges: a query that
// breaks a bound is refused with the limit and its flag, and the same entry pushed twice is
// stored once, across a restart too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class LokiLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  HttpReply QueryRange(const std::string& query, const std::string& since = "1h") {
    return HttpCall(server_.http_address(), "POST", "/loki/api/v1/query_range",
                    QueryString({{"query", query}, {"since", since}, {"direction", "FORWARD"}}),
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  void Push(const std::string& body) {
    HttpReply reply = HttpCall(server_.http_address(), "POST", "/loki/api/v1/push", body,
                               {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 204u) << reply.body << reply.error;
  }
  // Every line the query returns, in time order.
  std::vector<std::string> Lines(const std::string& query) {
    HttpReply reply = QueryRange(query);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    const json body = json::parse(reply.body);
    std::vector<std::string> lines;
    for (const json& stream : body["data"]["result"]) {
      for (const json& value : stream["values"]) lines.push_back(value[1]);
    }
    return lines;
  }

  TempDir dir_;
  Vigied server_{dir_.path() + "/data"};
};

TEST_F(LokiLimitsTest, QueriesBeyondTheBoundsAreRefusedNamingTheFlag) {
  HttpReply range = QueryRange(R"(count_over_time({job="x"}[100y]))");
  EXPECT_EQ(range.status, 400u);
  EXPECT_THAT(range.body, HasSubstr("the range [36500d] of count_over_time is longer than the "
                                    "limit of 31d (--max-query-range)"));
  HttpReply reads = QueryRange(R"(rate({job="x"}[2d]))", "30d");
  EXPECT_EQ(reads.status, 400u);
  EXPECT_THAT(reads.body, HasSubstr("reads 32d of logs"));
  std::string chained = R"({job="x"})";
  for (int i = 0; i < 5000; ++i) chained += R"( |= "a")";
  HttpReply filters = QueryRange(chained);
  EXPECT_EQ(filters.status, 400u);
  EXPECT_THAT(filters.body,
              HasSubstr("the query has 5000 line filters and stages, more than the limit of 64 "
                        "(--max-line-filters-per-query)"));
}

TEST_F(LokiLimitsTest, TheSameEntryPushedTwiceIsStoredOnceAcrossARestart) {
  int64_t t = (NowNanos() / kNanosPerSecond - 300) * kNanosPerSecond;
  auto entry = [&](int64_t offset, const std::string& line) {
    return json::array({std::to_string(t + offset), line});
  };
  json body = {{"streams",
                json::array({{{"stream", {{"job", "dup"}}},
                              {"values", json::array({entry(0, "first"), entry(1, "second")})}}})}};
  Push(body.dump());
  Push(body.dump());  // A client resending its batch.
  EXPECT_THAT(Lines(R"({job="dup"})"), ElementsAre("first", "second"));

  server_.Stop();
  server_.Start();
  Push(body.dump());
  EXPECT_THAT(Lines(R"({job="dup"})"), ElementsAre("first", "second"));

  // The same timestamp with another line is another entry.
  json same_time = {{"streams", json::array({{{"stream", {{"job", "dup"}}},
                                              {"values", json::array({entry(1, "other")})}}})}};
  Push(same_time.dump());
  EXPECT_THAT(Lines(R"({job="dup"})"), ElementsAre("first", "second", "other"));
}

}  // namespace
}  // namespace vigie::testing
