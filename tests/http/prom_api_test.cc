// Prometheus's query API and the vigie CLI's PromQL commands end to end: a real vigied fed by
// remote_write, queried over HTTP on loopback (as Grafana and promtool query it) and by the
// real `vigie` binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/cli_util.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using json = nlohmann::json;

// The series every test reads, written once: samples every 15 s over 10 minutes ending at
// kEndS, an hour before the test started (inside retention and the write window).
//   http_requests_total{job="api", code="200"}  +15 per 15 s (1/s)
//   http_requests_total{job="api", code="500"}  +1.5 per 15 s (0.1/s)
//   temperature_celsius{room="a"}               20.5
int64_t EndS() {
  static const int64_t end_s = (NowNanos() / kNanosPerSecond - 3600) / 60 * 60;
  return end_s;
}
int64_t StartS() { return EndS() - 600; }

class PromApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new Vigied(dir_->path(), {"--self-metrics-interval", "0"});
    server_->Start();
    std::vector<WriteSeries> series = {
        {{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}, {}},
        {{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "500"}}, {}},
        {{{"__name__", "temperature_celsius"}, {"room", "a"}}, {}}};
    for (int i = 0; i <= 40; ++i) {
      int64_t t = (StartS() + 15 * i) * 1000;
      series[0].samples.emplace_back(t, 15.0 * i);
      series[1].samples.emplace_back(t, 1.5 * i);
      series[2].samples.emplace_back(t, 20.5);
    }
    HttpReply reply = RemoteWrite(server_->http_address(), MakeWriteRequest(series));
    ASSERT_EQ(reply.status, 204u) << reply.body;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // GET (or form POST) of `path` with `params`; checks the status and parses the body.
  static json Call(const std::string& path, const Headers& params, unsigned want_status = 200,
                   bool post = false) {
    HttpReply reply =
        post ? HttpCall(server_->http_address(), "POST", path, QueryString(params),
                        {{"Content-Type", "application/x-www-form-urlencoded"}})
             : HttpCall(server_->http_address(), "GET", path + "?" + QueryString(params));
    EXPECT_EQ(reply.status, want_status) << path << ": " << reply.body << reply.error;
    return json::parse(reply.body, nullptr, false);
  }
  static std::string S(int64_t seconds) { return std::to_string(seconds); }

  static TempDir* dir_;
  static Vigied* server_;
};

TempDir* PromApiTest::dir_ = nullptr;
Vigied* PromApiTest::server_ = nullptr;

// The value of the sample of `result` (a vector) whose label `name` is `value`.
double ValueWhere(const json& result, const std::string& name, const std::string& value) {
  for (const json& s : result) {
    if (s["metric"].value(name, "") == value) return std::stod(s["value"][1].get<std::string>());
  }
  ADD_FAILURE() << "no sample with " << name << "=" << value << " in " << result.dump();
  return NAN;
}

TEST_F(PromApiTest, InstantQueryAnswersAVectorOfRates) {
  json body = Call("/api/v1/query", {{"query", "sum by (code) (rate(http_requests_total[5m]))"},
                                     {"time", S(EndS())}});
  EXPECT_EQ(body["status"], "success");
  EXPECT_FALSE(body.contains("warnings"));
  ASSERT_EQ(body["data"]["resultType"], "vector");
  const json& result = body["data"]["result"];
  ASSERT_EQ(result.size(), 2u) << body.dump();
  EXPECT_EQ(result[0]["metric"], json({{"code", "200"}}));
  EXPECT_EQ(result[0]["value"][0], EndS());  // A JSON number of seconds.
  EXPECT_NEAR(ValueWhere(result, "code", "200"), 1, 1e-9);
  EXPECT_NEAR(ValueWhere(result, "code", "500"), 0.1, 1e-9);
}

TEST_F(PromApiTest, InstantQueryByPostWithAnRfc3339Time) {
  std::string rfc3339 = FormatRfc3339Nano(EndS() * kNanosPerSecond);
  json body = Call("/api/v1/query", {{"query", "temperature_celsius"}, {"time", rfc3339}}, 200,
                   /*post=*/true);
  ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
  EXPECT_EQ(body["data"]["result"][0]["metric"],
            json({{"__name__", "temperature_celsius"}, {"room", "a"}}));
  EXPECT_EQ(body["data"]["result"][0]["value"], json::array({EndS(), "20.5"}));
  // A fractional time comes back as a fractional number of seconds.
  json half = Call("/api/v1/query", {{"query", "temperature_celsius"}, {"time", S(EndS()) + ".5"}});
  EXPECT_EQ(half["data"]["result"][0]["value"][0].get<double>(), EndS() + 0.5);
}

TEST_F(PromApiTest, ScalarsStringsAndEmptyVectors) {
  json scalar = Call("/api/v1/query",
                     {{"query", "scalar(sum(temperature_celsius)) * 2"}, {"time", S(EndS())}});
  EXPECT_EQ(scalar["data"],
            json::parse(R"({"resultType":"scalar","result":[)" + S(EndS()) + R"(,"41"]})"));
  json string = Call("/api/v1/query", {{"query", "\"hello\""}, {"time", S(EndS())}});
  EXPECT_EQ(string["data"]["resultType"], "string");
  EXPECT_EQ(string["data"]["result"][1], "hello");
  // Past the 5-minute lookback, nothing.
  json empty = Call("/api/v1/query", {{"query", "temperature_celsius"}, {"time", S(EndS() + 301)}});
  EXPECT_EQ(empty["data"], json::parse(R"({"resultType":"vector","result":[]})"));
  json inf = Call("/api/v1/query", {{"query", "temperature_celsius / 0"}, {"time", S(EndS())}});
  EXPECT_EQ(inf["data"]["result"][0]["value"][1], "+Inf");
}

TEST_F(PromApiTest, RangeQueryAnswersAMatrixAtEachStep) {
  Headers params = {{"query", "http_requests_total{code=\"200\"}"},
                    {"start", S(StartS())},
                    {"end", S(EndS())},
                    {"step", "1m"}};
  for (bool post : {false, true}) {
    json body = Call("/api/v1/query_range", params, 200, post);
    ASSERT_EQ(body["data"]["resultType"], "matrix");
    ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
    const json& values = body["data"]["result"][0]["values"];
    ASSERT_EQ(values.size(), 11u);
    for (int i = 0; i <= 10; ++i) {
      EXPECT_EQ(values[i][0], StartS() + 60 * i);
      EXPECT_EQ(values[i][1], std::to_string(60 * i));
    }
  }
  // A step in seconds, as Grafana sends it.
  json body = Call("/api/v1/query_range", {{"query", "sum(rate(http_requests_total[5m]))"},
                                           {"start", S(EndS() - 120)},
                                           {"end", S(EndS())},
                                           {"step", "60"}});
  ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
  EXPECT_EQ(body["data"]["result"][0]["metric"], json::object());
  for (const json& v : body["data"]["result"][0]["values"]) {
    EXPECT_NEAR(std::stod(v[1].get<std::string>()), 1.1, 1e-9);
  }
}

TEST_F(PromApiTest, BadRequestsGetPrometheusErrorTypes) {
  auto error = [](const std::string& path, const Headers& params, unsigned status) {
    json body = Call(path, params, status);
    EXPECT_EQ(body["status"], "error") << body.dump();
    return std::pair<std::string, std::string>(body.value("errorType", ""),
                                               body.value("error", ""));
  };
  auto [type, message] = error("/api/v1/query", {{"query", "sum(rate(x[5m])"}}, 400);
  EXPECT_EQ(type, "bad_data");
  EXPECT_THAT(message, HasSubstr("invalid parameter \"query\": parse error at line 1, col"));
  std::tie(type, message) = error(
      "/api/v1/query_range", {{"query", "up"}, {"start", "20"}, {"end", "10"}, {"step", "1"}}, 400);
  EXPECT_EQ(message, "end timestamp must not be before start time");
  std::tie(type, message) = error(
      "/api/v1/query_range", {{"query", "up"}, {"start", "0"}, {"end", "10"}, {"step", "0"}}, 400);
  EXPECT_THAT(message, HasSubstr("zero or negative query resolution step widths"));
  std::tie(type, message) =
      error("/api/v1/query_range",
            {{"query", "up"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}}, 400);
  EXPECT_THAT(message, HasSubstr("exceeded maximum resolution of 11,000 points"));
  std::tie(type, message) = error("/api/v1/query", {{"query", "up"}, {"time", "soon"}}, 400);
  EXPECT_EQ(message,
            "invalid parameter \"time\": cannot parse \"soon\" to a valid timestamp "
            "(use RFC 3339 or Unix seconds)");
  // Evaluation failures are "execution", 422.
  std::tie(type, message) = error(
      "/api/v1/query",
      {{"query", "http_requests_total + on(job) http_requests_total"}, {"time", S(EndS())}}, 422);
  EXPECT_EQ(type, "execution");
  EXPECT_THAT(message, HasSubstr("many-to-many matching not allowed"));
  std::tie(type, message) = error("/api/v1/series", {}, 400);
  EXPECT_EQ(message, "no match[] parameter provided");
  std::tie(type, message) = error("/api/v1/label/0bad/values", {}, 400);
  EXPECT_EQ(message, "invalid label name: \"0bad\"");

  HttpReply wrong_method = HttpCall(server_->http_address(), "DELETE", "/api/v1/query");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(HttpCall(server_->http_address(), "GET", "/api/v1/nothing").status, 404u);
}

TEST_F(PromApiTest, SeriesLabelsAndLabelValues) {
  json series = Call("/api/v1/series", {{"match[]", "http_requests_total"},
                                        {"match[]", "{room=\"a\"}"},
                                        {"start", S(StartS())},
                                        {"end", S(EndS())}});
  EXPECT_EQ(series["data"], json::parse(R"([
      {"__name__":"http_requests_total","code":"200","job":"api"},
      {"__name__":"http_requests_total","code":"500","job":"api"},
      {"__name__":"temperature_celsius","room":"a"}])"));

  json labels = Call("/api/v1/labels", {});
  EXPECT_THAT(labels["data"].get<std::vector<std::string>>(),
              ElementsAre("__name__", "code", "job", "room"));
  json narrowed = Call("/api/v1/labels", {{"match[]", "temperature_celsius"}}, 200, true);
  EXPECT_THAT(narrowed["data"].get<std::vector<std::string>>(), ElementsAre("__name__", "room"));

  json names = Call("/api/v1/label/__name__/values", {});
  EXPECT_THAT(names["data"].get<std::vector<std::string>>(),
              ElementsAre("http_requests_total", "temperature_celsius"));
  json codes = Call("/api/v1/label/code/values", {{"match[]", "{job=\"api\"}"}});
  EXPECT_THAT(codes["data"].get<std::vector<std::string>>(), ElementsAre("200", "500"));
  json none = Call("/api/v1/label/code/values", {{"match[]", "temperature_celsius"}});
  EXPECT_EQ(none["data"], json::array());
}

TEST_F(PromApiTest, BuildInfoExemplarsAndFormatQuery) {
  json info = Call("/api/v1/status/buildinfo", {});
  EXPECT_EQ(info["data"]["version"], "2.42.0");
  json exemplars = Call("/api/v1/query_exemplars", {{"query", "http_requests_total"}});
  EXPECT_EQ(exemplars["data"], json::array());
  json formatted =
      Call("/api/v1/format_query", {{"query", "sum(rate(foo{b=\"1\",a=\"2\"}[300s]))"}});
  EXPECT_EQ(formatted["data"], "sum(rate(foo{a=\"2\",b=\"1\"}[5m]))");
}

// The vigie CLI against the same server.
TEST_F(PromApiTest, CliQueryPrintsATableCsvAndJson) {
  std::string out, err;
  std::vector<std::string> instant = {"query", "sum by (code) (rate(http_requests_total[5m]))",
                                      "--time", S(EndS())};
  ASSERT_EQ(Vigie(*server_, instant, &out, &err), 0) << err;
  EXPECT_EQ(out, "SERIES        VALUE\n{code=\"200\"}  1\n{code=\"500\"}  0.1\n");

  instant.insert(instant.end(), {"--output", "csv"});
  ASSERT_EQ(Vigie(*server_, instant, &out, &err), 0) << err;
  std::string t = FormatRfc3339Nano(EndS() * kNanosPerSecond).substr(0, 19);
  EXPECT_EQ(out, "time,code,value\n" + t + ".000Z,200,1\n" + t + ".000Z,500,0.1\n");

  ASSERT_EQ(Vigie(*server_, {"query", "temperature_celsius", "--time", S(EndS()), "-o", "json"},
                  &out, &err),
            0)
      << err;
  EXPECT_EQ(json::parse(out), json::parse(R"({"resultType":"vector","result":[{"metric":
      {"__name__":"temperature_celsius","room":"a"},"value":[)" +
                                          S(EndS()) + R"(,"20.5"]}]})"));

  // A range query, not on a terminal: a table of every step.
  ASSERT_EQ(
      Vigie(*server_,
            {"query", "temperature_celsius", "--since", "2m", "--until", S(EndS()), "--step", "1m"},
            &out, &err),
      0)
      << err;
  EXPECT_THAT(out, HasSubstr("TIME"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);  // Header and 3 steps.
}

TEST_F(PromApiTest, CliQueryDrawsAChartWhenAsked) {
  std::string out, err;
  ASSERT_EQ(Vigie(*server_,
                  {"query", "rate(http_requests_total[1m])", "--since", "10m", "--until", S(EndS()),
                   "--output", "chart", "--color", "always"},
                  &out, &err),
            0)
      << err;
  EXPECT_THAT(out, HasSubstr(" ┤"));
  EXPECT_THAT(out, HasSubstr("└─"));
  EXPECT_THAT(out, HasSubstr("━━\x1b[0m {code=\"200\", job=\"api\"}"));
  EXPECT_THAT(out, HasSubstr("━━\x1b[0m {code=\"500\", job=\"api\"}"));
  EXPECT_THAT(out, HasSubstr("\x1b[32m\xe2"));  // Dots of the first series, green.
  EXPECT_THAT(out, HasSubstr("\x1b[33m\xe2"));  // And of the second, yellow.
  EXPECT_THAT(out, HasSubstr("1 ┤"));           // The y-axis reaches the rate of 1/s.
}

TEST_F(PromApiTest, CliErrorsShowACaretAndTheServersWords) {
  std::string out, err;
  EXPECT_EQ(Vigie(*server_, {"query", "sum(rate(x[5m])"}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("unclosed left parenthesis"));
  EXPECT_THAT(err, HasSubstr("  1 | sum(rate(x[5m])\n    |                ^\n"));
  EXPECT_EQ(
      Vigie(*server_,
            {"query", "http_requests_total + on(job) http_requests_total", "--time", S(EndS())},
            &out, &err),
      1);
  EXPECT_THAT(err, HasSubstr("many-to-many matching not allowed"));
}

TEST_F(PromApiTest, CliSeriesAndMetricLabels) {
  std::string out, err;
  ASSERT_EQ(
      Vigie(*server_, {"series", "http_requests_total{code=\"500\"}", "{room=\"a\"}"}, &out, &err),
      0)
      << err;
  EXPECT_EQ(out,
            "http_requests_total{code=\"500\", job=\"api\"}\ntemperature_celsius{room=\"a\"}\n");
  ASSERT_EQ(Vigie(*server_, {"labels", "--metrics"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "__name__\ncode\njob\nroom\n");
  ASSERT_EQ(Vigie(*server_, {"labels", "--metrics", "__name__"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "http_requests_total\ntemperature_celsius\n");
  // Without --metrics, the labels of log streams: there are none.
  ASSERT_EQ(Vigie(*server_, {"labels"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "");
}

// A query past --promql-max-samples fails as "execution" (422), and vigied answers the next one.
TEST(PromApiLimitsTest, AQueryPastALimitFailsAndVigiedCarriesOn) {
  TempDir dir;
  Vigied server(dir.path(), {"--self-metrics-interval", "0", "--promql-max-samples", "30"});
  server.Start();
  WriteSeries series{{{"__name__", "many"}}, {}};
  for (int i = 0; i < 40; ++i) series.samples.emplace_back((StartS() + 15 * i) * 1000, i);
  ASSERT_EQ(RemoteWrite(server.http_address(), MakeWriteRequest({series})).status, 204u);

  std::string at = std::to_string(StartS() + 15 * 39);
  HttpReply big = HttpCall(server.http_address(), "GET",
                           "/api/v1/query?" + QueryString({{"query", "many[10m]"}, {"time", at}}));
  EXPECT_EQ(big.status, 422u) << big.body;
  json body = json::parse(big.body, nullptr, false);
  EXPECT_EQ(body["errorType"], "execution");
  EXPECT_THAT(body.value("error", ""), HasSubstr("sample")) << big.body;

  HttpReply small = HttpCall(server.http_address(), "GET",
                             "/api/v1/query?" + QueryString({{"query", "many"}, {"time", at}}));
  ASSERT_EQ(small.status, 200u) << small.body;
  EXPECT_EQ(json::parse(small.body)["data"]["result"][0]["value"][1], "39");
}

}  // namespace
}  // namespace vigie::testing
