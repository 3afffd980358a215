// Request parsing, Loki parameters and JSON output shapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/go_format.h"
#include "common/time.h"
#include "server/http/json_encode.h"
#include "server/http/loki_params.h"
#include "server/http/request.h"

namespace vigie::server::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

LabelSet L(std::vector<Label> labels) { return *LabelSet::Make(std::move(labels)); }

Request WithParams(std::string_view query) {
  Request r;
  ParseQueryString(query, &r.params);
  return r;
}

TEST(RequestTest, ParsesQueryStringsAndForms) {
  std::vector<std::pair<std::string, std::string>> params;
  ParseQueryString("query=%7Bjob%3D%22a%22%7D+%7C%3D+x&limit=5&&flag&bad=%zz%4", &params);
  EXPECT_THAT(params, ElementsAre(Pair("query", "{job=\"a\"} |= x"), Pair("limit", "5"),
                                  Pair("flag", ""), Pair("bad", "%zz%4")));
  EXPECT_EQ(PercentDecode("a%2Fb+c"), "a/b+c");
  Request r = WithParams("start=&match[]=%7Ba%3D%22b%22%7D&match[]=%7Bc%3D%22d%22%7D");
  EXPECT_FALSE(r.Param("start").has_value());  // Empty means "use the default", as in Loki.
  EXPECT_THAT(r.Params("match[]"), ElementsAre("{a=\"b\"}", "{c=\"d\"}"));
}

TEST(LokiParamsTest, TimeWindowDefaultsAndSince) {
  int64_t now = 1'700'000'000 * kNanosPerSecond;
  int64_t hour = 3600 * kNanosPerSecond;
  auto window = ParseTimeWindow(WithParams(""), now, hour);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->end_ns, now);
  EXPECT_EQ(window->start_ns, now - hour);

  window = ParseTimeWindow(WithParams("end=1700000100&since=5m"), now, hour);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->end_ns, now + 100 * kNanosPerSecond);
  EXPECT_EQ(window->start_ns, now - 300 * kNanosPerSecond);  // End in the future: now - since.

  window = ParseTimeWindow(
      WithParams("start=2023-11-14T22:00:00Z&end=1699999999000000000&since=5m"), now, hour);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->start_ns, ParseTime("2023-11-14T22:00:00Z").value());
  EXPECT_EQ(window->end_ns, 1699999999000000000);

  auto bad = ParseTimeWindow(WithParams("start=yesterday"), now, hour);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("\"start\" (yesterday)"));
  EXPECT_FALSE(ParseTimeWindow(WithParams("end=-5"), now, hour).ok());
  EXPECT_EQ(StartBefore(10, 20), 0);
}

TEST(LokiParamsTest, LimitDirectionStep) {
  EXPECT_EQ(ParseLimit(WithParams("")).value(), 0u);
  EXPECT_EQ(ParseLimit(WithParams("limit=1000")).value(), 1000u);
  EXPECT_FALSE(ParseLimit(WithParams("limit=0")).ok());
  EXPECT_FALSE(ParseLimit(WithParams("limit=-3")).ok());
  EXPECT_FALSE(ParseForward(WithParams("")).value());
  EXPECT_TRUE(ParseForward(WithParams("direction=FORWARD")).value());
  EXPECT_FALSE(ParseForward(WithParams("direction=sideways")).ok());
  EXPECT_EQ(ParseStep(WithParams("")).value(), 0);
  EXPECT_EQ(ParseStep(WithParams("step=15")).value(), 15 * kNanosPerSecond);
  EXPECT_EQ(ParseStep(WithParams("step=0.5")).value(), kNanosPerSecond / 2);
  EXPECT_EQ(ParseStep(WithParams("step=1m30s")).value(), 90 * kNanosPerSecond);
  auto zero = ParseStep(WithParams("step=0"));
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(std::string(zero.status().message()), HasSubstr("zero or negative"));
  EXPECT_FALSE(ParseStep(WithParams("step=1e300")).ok());
}

TEST(JsonEncodeTest, ReplacesInvalidUtf8InsteadOfFailing) {
  nlohmann::json value = {{"line", std::string("ok \xff\xfe caf\xc3\xa9")}};
  EXPECT_EQ(DumpJson(value), "{\"line\":\"ok \xEF\xBF\xBD\xEF\xBF\xBD caf\xC3\xA9\"}");
  EXPECT_EQ(DumpJson({{"ctl", std::string("a\x01\"\n", 4)}}), R"({"ctl":"a\u0001\"\n"})");
}

TEST(JsonEncodeTest, StreamsGroupEntriesByStreamInOrder) {
  StreamsJson streams;
  streams.Add(L({{"job", "a"}}), 3, "three");
  streams.Add(L({{"job", "b"}}), 2, "two");
  streams.Add(L({{"job", "a"}}), 1, "one");
  EXPECT_EQ(streams.entries(), 3u);
  EXPECT_EQ(DumpJson(streams.Take()),
            R"([{"stream":{"job":"a"},"values":[["3","three"],["1","one"]]},)"
            R"({"stream":{"job":"b"},"values":[["2","two"]]}])");
  EXPECT_EQ(DumpJson(streams.Take()), "[]");
}

TEST(JsonEncodeTest, MatrixAndVectorShapes) {
  std::vector<logql::Series> series = {
      {L({{"level", "error"}}), {{1700000000'000000000, 2}, {1700000015'500000000, 0.25}}},
      {L({}), {{1700000015'500000000, 1e21}}}};
  EXPECT_EQ(DumpJson(MatrixJson(series)),
            R"([{"metric":{"level":"error"},"values":[[1700000000.0,"2"],[1700000015.5,"0.25"]]},)"
            R"({"metric":{},"values":[[1700000015.5,"1000000000000000000000"]]}])");
  EXPECT_EQ(DumpJson(VectorJson(series, 1700000000'000000000)),
            R"([{"metric":{"level":"error"},"value":[1700000000.0,"2"]}])");
  EXPECT_EQ(FormatGoFloatFixed(std::nan("")), "NaN");
  EXPECT_EQ(FormatGoFloatFixed(-INFINITY), "-Inf");
  EXPECT_EQ(FormatGoFloatFixed(0.1), "0.1");
}

TEST(JsonEncodeTest, QueryResponseHasLokiStats) {
  logql::QueryStats stats{1, 2, 30, 400};
  nlohmann::json body =
      QueryResponseJson("streams", nlohmann::json::array(), StatsJson(stats, 0.5, 7));
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["resultType"], "streams");
  EXPECT_EQ(body["data"]["stats"]["summary"]["totalLinesProcessed"], 30);
  EXPECT_EQ(body["data"]["stats"]["summary"]["totalBytesProcessed"], 400);
  EXPECT_EQ(body["data"]["stats"]["summary"]["bytesProcessedPerSecond"], 800);
  EXPECT_EQ(body["data"]["stats"]["summary"]["totalEntriesReturned"], 7);
  EXPECT_EQ(body["data"]["stats"]["summary"]["execTime"], 0.5);
}

}  // namespace
}  // namespace vigie::server::http
