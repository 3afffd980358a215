// Prometheus API parameters (times, durations, ranges, match[]) and JSON shapes, without a server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "server/http/prom_json.h"
#include "server/http/prom_params.h"

namespace vigie::server::http {
namespace {

using ::testing::HasSubstr;

Request WithParams(std::string_view query) {
  Request r;
  ParseQueryString(query, &r.params);
  return r;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(PromParamsTest, TimesAreUnixSecondsOrRfc3339InMilliseconds) {
  EXPECT_EQ(ParsePromTime("1700000000").value(), 1'700'000'000'000);
  EXPECT_EQ(ParsePromTime("1700000000.123").value(), 1'700'000'000'123);
  EXPECT_EQ(ParsePromTime("1700000000.1236").value(), 1'700'000'000'124);  // Rounded to ms.
  EXPECT_EQ(ParsePromTime("+1.5").value(), 1500);
  EXPECT_EQ(ParsePromTime("1e3").value(), 1'000'000);
  // A 19-digit integer is seconds too, unlike Loki's nanoseconds: out of range here.
  EXPECT_FALSE(ParsePromTime("1700000000000000000").ok());
  EXPECT_EQ(ParsePromTime("2023-11-14T22:13:20Z").value(), 1'700'000'000'000);
  EXPECT_EQ(ParsePromTime("2023-11-14T22:13:20.5+01:00").value(), 1'699'996'400'500);
  absl::StatusOr<int64_t> bad = ParsePromTime("yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Message(bad.status()), HasSubstr("cannot parse \"yesterday\" to a valid timestamp"));
  EXPECT_FALSE(ParsePromTime("NaN").ok());
  EXPECT_FALSE(ParsePromTime("Inf").ok());

  absl::StatusOr<int64_t> param = PromTimeParam(WithParams("time=x"), "time", 0);
  ASSERT_FALSE(param.ok());
  EXPECT_THAT(Message(param.status()), HasSubstr("invalid parameter \"time\": cannot parse \"x\""));
  EXPECT_EQ(PromTimeParam(WithParams(""), "time", 42).value(), 42);
}

TEST(PromParamsTest, DurationsAreSecondsOrUnits) {
  EXPECT_EQ(ParsePromDuration("15").value(), 15'000);
  EXPECT_EQ(ParsePromDuration("0.5").value(), 500);
  EXPECT_EQ(ParsePromDuration("1m30s").value(), 90'000);
  EXPECT_EQ(ParsePromDuration("250ms").value(), 250);
  EXPECT_THAT(Message(ParsePromDuration("5x").status()),
              HasSubstr("cannot parse \"5x\" to a valid duration"));
  EXPECT_THAT(Message(ParsePromDuration("1e300").status()), HasSubstr("overflows"));
}

TEST(PromParamsTest, RangeChecksInPrometheusOrderAndWords) {
  auto range = ParsePromRange(WithParams("start=1000&end=1060.5&step=15s"), 11000);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->start_ms, 1'000'000);
  EXPECT_EQ(range->end_ms, 1'060'500);
  EXPECT_EQ(range->step_ms, 15'000);
  EXPECT_EQ(range->steps(), 5u);

  auto error = [](std::string_view query, uint64_t max_points = 11000) {
    auto r = ParsePromRange(WithParams(query), max_points);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << query;
    return Message(r.status());
  };
  EXPECT_EQ(error("end=10&step=1"),
            "invalid parameter \"start\": cannot parse \"\" to a valid "
            "timestamp (use RFC 3339 or Unix seconds)");
  EXPECT_EQ(error("start=10&end=5&step=x"), "end timestamp must not be before start time");
  EXPECT_THAT(error("start=1&end=5"), HasSubstr("invalid parameter \"step\""));
  EXPECT_EQ(error("start=1&end=5&step=0"),
            "zero or negative query resolution step widths are not accepted. Try a positive "
            "integer");
  EXPECT_EQ(error("start=1&end=5&step=-1"), error("start=1&end=5&step=0"));
  // 11,000 steps are fine (11,001 points, as Prometheus counts), one more is not.
  EXPECT_TRUE(ParsePromRange(WithParams("start=0&end=11000&step=1"), 11000).ok());
  EXPECT_EQ(error("start=0&end=11001&step=1"),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
            "query resolution (?step=XX)");
  EXPECT_THAT(error("start=0&end=101&step=1", 100), HasSubstr("maximum resolution of 100 "));
}

TEST(PromParamsTest, TimeoutOnlyShortensTheServerLimit) {
  EXPECT_EQ(PromTimeoutParam(WithParams(""), 120'000).value(), 120'000);
  EXPECT_EQ(PromTimeoutParam(WithParams("timeout=5s"), 120'000).value(), 5'000);
  EXPECT_EQ(PromTimeoutParam(WithParams("timeout=1h"), 120'000).value(), 120'000);
  EXPECT_THAT(Message(PromTimeoutParam(WithParams("timeout=soon"), 1).status()),
              HasSubstr("invalid parameter \"timeout\""));
}

TEST(PromParamsTest, MatchSetsAreSeriesSelectors) {
  auto sets = ParseMatchSets(
      WithParams("match[]=up%7Bjob%3D%22node%22%7D&match[]=%7Bmode%3D~%22idle%7Cuser%22%7D"),
      Limits(), true);
  ASSERT_TRUE(sets.ok()) << sets.status();
  ASSERT_EQ(sets->size(), 2u);
  const auto& first = (*sets)[0];
  ASSERT_EQ(first.size(), 2u);  // job="node" and __name__="up".
  EXPECT_EQ(first[0].name, "job");
  EXPECT_EQ(first[0].equals, "node");
  EXPECT_EQ(first[1].name, "__name__");
  EXPECT_EQ(first[1].equals, "up");
  const store::SeriesMatcher& regex = (*sets)[1][0];
  EXPECT_FALSE(regex.equals.has_value());
  EXPECT_TRUE(regex.accept("idle"));
  EXPECT_FALSE(regex.accept("idle2"));  // Anchored, as in Prometheus.

  EXPECT_EQ(Message(ParseMatchSets(WithParams(""), Limits(), true).status()),
            "no match[] parameter provided");
  EXPECT_TRUE(ParseMatchSets(WithParams(""), Limits(), false).value().empty());
  for (std::string_view bad :
       {"match[]=rate(up%5B5m%5D)", "match[]=up%5B5m%5D", "match[]=up+offset+5m",
        "match[]=%7Ba%3D%22%22%7D", "match[]=%7Bjob%3D"}) {
    auto r = ParseMatchSets(WithParams(bad), Limits(), true);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(Message(r.status()), HasSubstr("invalid parameter \"match[]\"")) << bad;
  }
}

TEST(PromJsonTest, ErrorTypesAndStatusCodes) {
  struct Case {
    absl::Status status;
    std::string_view type;
    unsigned code;
  };
  for (const Case& c : {Case{absl::InvalidArgumentError("x"), "bad_data", 400},
                        Case{absl::FailedPreconditionError("x"), "execution", 422},
                        Case{absl::ResourceExhaustedError("x"), "execution", 422},
                        Case{absl::DeadlineExceededError("x"), "timeout", 503},
                        Case{absl::CancelledError("x"), "canceled", 499},
                        Case{absl::UnavailableError("x"), "unavailable", 503},
                        Case{absl::InternalError("x"), "internal", 500}}) {
    Response r = PromError(c.status);
    EXPECT_EQ(r.status, c.code) << c.type;
    nlohmann::json body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "error");
    EXPECT_EQ(body["errorType"], c.type);
    EXPECT_EQ(body["error"], "x");
  }
}

TEST(PromJsonTest, SuccessEnvelopeHasWarningsOnlyWhenThereAreSome) {
  nlohmann::json plain = nlohmann::json::parse(PromSuccess({"a"}).body);
  EXPECT_EQ(plain, nlohmann::json::parse(R"({"status":"success","data":["a"]})"));
  nlohmann::json warned = nlohmann::json::parse(PromSuccess(1, {"careful"}).body);
  EXPECT_EQ(warned["warnings"], nlohmann::json::parse(R"(["careful"])"));
}

TEST(PromJsonTest, TimestampsAndValuesAsPrometheusWritesThem) {
  EXPECT_EQ(PromPoint(1'700'000'000'000, 1).dump(), R"([1700000000,"1"])");
  EXPECT_EQ(PromPoint(1'700'000'000'123, 0.1).dump(), R"([1700000000.123,"0.1"])");
  EXPECT_EQ(PromPoint(-1500, -2.5).dump(), R"([-1.5,"-2.5"])");
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(PromPoint(0, inf).dump(), R"([0,"+Inf"])");
  EXPECT_EQ(PromPoint(0, -inf).dump(), R"([0,"-Inf"])");
  EXPECT_EQ(PromPoint(0, std::nan("")).dump(), R"([0,"NaN"])");
  EXPECT_EQ(PromPoint(0, 1e21).dump(), R"([0,"1000000000000000000000"])");
}

TEST(PromJsonTest, ResultShapesByType) {
  LabelSet labels = *LabelSet::Make({{"__name__", "up"}, {"job", "node"}});
  promql::Value vector;
  vector.type = promql::ValueType::kVector;
  vector.vector = {{labels, 2'000, 1}};
  EXPECT_EQ(PromInstantData(vector), nlohmann::json::parse(R"({"resultType":"vector",
      "result":[{"metric":{"__name__":"up","job":"node"},"value":[2,"1"]}]})"));

  promql::Value empty;
  empty.type = promql::ValueType::kVector;
  EXPECT_EQ(PromInstantData(empty).dump(), R"({"result":[],"resultType":"vector"})");

  promql::Value scalar;
  scalar.type = promql::ValueType::kScalar;
  scalar.ts_ms = 1'500;
  scalar.scalar = 0.25;
  EXPECT_EQ(PromInstantData(scalar),
            nlohmann::json::parse(R"({"resultType":"scalar","result":[1.5,"0.25"]})"));

  promql::Value string;
  string.type = promql::ValueType::kString;
  string.ts_ms = 3'000;
  string.string = "hello";
  EXPECT_EQ(PromInstantData(string),
            nlohmann::json::parse(R"({"resultType":"string","result":[3,"hello"]})"));

  promql::Value matrix;
  matrix.type = promql::ValueType::kMatrix;
  matrix.matrix = {{labels, {{1'000, 1}, {16'000, 2}}}};
  nlohmann::json expected = nlohmann::json::parse(R"({"resultType":"matrix",
      "result":[{"metric":{"__name__":"up","job":"node"},"values":[[1,"1"],[16,"2"]]}]})");
  EXPECT_EQ(PromInstantData(matrix), expected);
  EXPECT_EQ(PromMatrixData(matrix.matrix), expected);
}

}  // namespace
}  // namespace vigie::server::http
