#include "common/prometheus/exposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace vigie::exposition {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Everything the parser reports, as text: "name{a=b} 1 @ts", "HELP name text", "ERROR ...".
class Recorder : public ExpositionHandler {
 public:
  void OnSample(const ExpositionSample& s) override {
    std::string line(s.name);
    line += "{";
    for (const LabelView& l : s.labels)
      line += std::string(l.name) + "=" + std::string(l.value) + ",";
    line += "} " + std::to_string(s.value);
    if (s.timestamp_ms) line += " @" + std::to_string(*s.timestamp_ms);
    samples.push_back(line);
    series.emplace_back(s.series);
  }
  void OnHelp(std::string_view m, std::string_view h) override {
    meta.push_back("HELP " + std::string(m) + " " + std::string(h));
  }
  void OnType(std::string_view m, std::string_view t) override {
    meta.push_back("TYPE " + std::string(m) + " " + std::string(t));
  }
  void OnUnit(std::string_view m, std::string_view u) override {
    meta.push_back("UNIT " + std::string(m) + " " + std::string(u));
  }
  void OnError(size_t line, std::string_view message) override {
    errors.push_back(std::string(message));
    error_lines.push_back(line);
  }
  std::vector<std::string> samples, series, meta, errors;
  std::vector<size_t> error_lines;
};

Recorder Parse(std::string_view body, ExpositionFormat format = ExpositionFormat::kText) {
  Recorder r;
  ExpositionParser parser;
  parser.Parse(body, format, &r);
  return r;
}

TEST(ExpositionTest, TextFormatFamilies) {
  Recorder r = Parse(
      "# HELP http_requests_total The total.\\nSecond line with \\\\ and \\\"\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{ method = \"post\" , code=\"400\", } 3\n"
      "\n"
      "# a free comment\n"
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.5\"} 4773\n"
      "rpc_sum 1.7560473e+07\n"
      "rpc_count 2693\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"+Inf\"} 144320\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "  indented -Inf\n"
      "msdos{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} "
      "1.458255915e9\n"
      "odd{a=\"\\x\"} 0x1p-2\n");
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(
      r.meta,
      ElementsAre("HELP http_requests_total The total.\nSecond line with \\ and \\\"",
                  "TYPE http_requests_total counter", "TYPE rpc summary", "TYPE lat histogram"));
  EXPECT_THAT(r.samples,
              ElementsAre("http_requests_total{method=post,code=200,} 1027.000000 @1395066363000",
                          "http_requests_total{method=post,code=400,} 3.000000",
                          "rpc{quantile=0.5,} 4773.000000", "rpc_sum{} 17560473.000000",
                          "rpc_count{} 2693.000000", "lat_bucket{le=+Inf,} 144320.000000",
                          "metric_without_timestamp_and_labels{} 12.470000", "indented{} -inf",
                          "msdos{path=C:\\DIR\\FILE.TXT,error=Cannot find file:\n\"FILE.TXT\",} "
                          "1458255915.000000",
                          "odd{a=\\x,} 0.250000"));
  EXPECT_EQ(r.series[0], "http_requests_total{method=\"post\",code=\"200\"}");
  EXPECT_EQ(r.series[4], "rpc_count");
}

TEST(ExpositionTest, BadLinesNamedAndNeighboursKept) {
  Recorder r = Parse(
      "ok 1\n"
      "bad{code=\"200\" 1\n"
      "ok2 2\n"
      "bad2 x\n"
      "bad3{a=\"1\",a=\"2\"} 1\n"
      "bad4 1 12.5\n"
      "# TYPE t sometype\n"
      "9bad 1\n"
      "bad5{a=\"\xff\"} 1\n"
      "bad6 3 4 5\n");
  EXPECT_THAT(r.samples, ElementsAre("ok{} 1.000000", "ok2{} 2.000000"));
  EXPECT_THAT(r.error_lines, ElementsAre(2, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_THAT(r.errors[0], HasSubstr("line 2: expected ',' or '}' after the value of label code"));
  EXPECT_THAT(r.errors[1], HasSubstr("value \"x\" of bad2 is not a number"));
  EXPECT_THAT(r.errors[2], HasSubstr("label a appears twice"));
  EXPECT_THAT(r.errors[3], HasSubstr("not an integer of milliseconds"));
  EXPECT_THAT(r.errors[4], HasSubstr("unknown metric type \"sometype\""));
  EXPECT_THAT(r.errors[5], HasSubstr("expected a metric name"));
  EXPECT_THAT(r.errors[6], HasSubstr("not valid UTF-8"));
  EXPECT_THAT(r.errors[7], HasSubstr("unexpected \"5\""));
}

TEST(ExpositionTest, OpenMetrics) {
  Recorder r = Parse(
      "# TYPE acme_http_router_request_seconds summary\n"
      "# UNIT acme_http_router_request_seconds seconds\n"
      "# HELP acme_http_router_request_seconds Latency \\\"quoted\\\".\n"
      "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n"
      "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0 "
      "1520879607.5\n"
      "# TYPE foo histogram\n"
      "foo_bucket{le=\"0.01\"} 0 # {trace_id=\"KOO5S4vxi0o\"} 0.004 1520879607.7\n"
      "foo_bucket{le=\"+Inf\"} 17 123 # {trace_id=\"oHg5SJYRHA0\"} 9.8\n"
      "# EOF\n",
      ExpositionFormat::kOpenMetrics);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.meta, ElementsAre("TYPE acme_http_router_request_seconds summary",
                                  "UNIT acme_http_router_request_seconds seconds",
                                  "HELP acme_http_router_request_seconds Latency \"quoted\".",
                                  "TYPE foo histogram"));
  EXPECT_THAT(
      r.samples,
      ElementsAre("acme_http_router_request_seconds_sum{path=/api/v1,method=GET,} 9036.320000",
                  "acme_http_router_request_seconds_count{path=/api/v1,method=GET,} "
                  "807283.000000 @1520879607500",
                  "foo_bucket{le=0.01,} 0.000000", "foo_bucket{le=+Inf,} 17.000000 @123000"));
}

TEST(ExpositionTest, OpenMetricsNeedsEofAndNothingAfter) {
  Recorder missing = Parse("a 1\n", ExpositionFormat::kOpenMetrics);
  EXPECT_THAT(missing.samples, ElementsAre("a{} 1.000000"));
  EXPECT_THAT(missing.errors, ElementsAre(HasSubstr("line 2: no # EOF at the end")));
  Recorder after = Parse("a 1\n# EOF\nb 2\n", ExpositionFormat::kOpenMetrics);
  EXPECT_THAT(after.samples, ElementsAre("a{} 1.000000"));
  EXPECT_THAT(after.errors, ElementsAre(HasSubstr("line 3: text after # EOF")));
  Recorder text = Parse("# EOF\na 1\n");  // Only a comment in the text format.
  EXPECT_THAT(text.samples, ElementsAre("a{} 1.000000"));
  EXPECT_THAT(text.errors, IsEmpty());
}

TEST(ExpositionTest, GoFloats) {
  EXPECT_EQ(ParseGoFloat("1e3"), 1000);
  EXPECT_EQ(ParseGoFloat("+1.5"), 1.5);
  EXPECT_EQ(ParseGoFloat("-0x1p1"), -2);
  EXPECT_TRUE(std::isinf(*ParseGoFloat("+Inf")));
  EXPECT_TRUE(std::isinf(*ParseGoFloat("-inf")));
  EXPECT_TRUE(std::isnan(*ParseGoFloat("NaN")));
  EXPECT_EQ(ParseGoFloat("+-1"), std::nullopt);
  EXPECT_EQ(ParseGoFloat("1e999"), std::nullopt);
  EXPECT_EQ(ParseGoFloat("1,5"), std::nullopt);
  EXPECT_EQ(ParseGoFloat(""), std::nullopt);
}

TEST(ExpositionTest, ContentType) {
  EXPECT_EQ(FormatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(FormatFromContentType("text/plain; version=0.0.4"), ExpositionFormat::kText);
  EXPECT_EQ(FormatFromContentType(""), ExpositionFormat::kText);
}

}  // namespace
}  // namespace vigie::exposition
