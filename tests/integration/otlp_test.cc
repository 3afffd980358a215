// OTLP into a real vigied from the official OpenTelemetry JS SDK (tests/npm/otlp/send.js: a
// counter, an up-down counter and a histogram with cumulative and with delta temporality, and
// log records with attributes) over gRPC, OTLP/HTTP JSON (gzip, on the OTLP/HTTP port) and
// OTLP/HTTP protobuf (on the main HTTP port); what arrived is read back through vigied's
// Prometheus and Loki HTTP APIs. Also: tokens, errors in the request's encoding, partial
// success, and an acknowledged export surviving kill -9.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace cm = opentelemetry::proto::collector::metrics::v1;

const std::string kNpmDir = TestDataPath("../npm/otlp");

// vigied with its OTLP/HTTP port on a free port; otlp_http() is its address.
class OtlpServer {
 public:
  explicit OtlpServer(const TempDir& dir, std::vector<std::string> extra = {})
      : server_(dir.path() + "/data", WithOtlpPort(std::move(extra))) {}
  void Start() {
    server_.Start();
    std::ifstream in(server_.data_dir() + ".ready.json");
    json ready = json::parse(in, nullptr, false);
    otlp_http_ = ready.value("otlp_http", "");
  }
  Vigied& vigied() { return server_; }
  const std::string& otlp_http() const { return otlp_http_; }

 private:
  static std::vector<std::string> WithOtlpPort(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--otlp-http-listen", "127.0.0.1:0"});
    return extra;
  }
  Vigied server_;
  std::string otlp_http_;
};

// Runs send.js; its output when it fails.
void Send(const std::string& mode, const std::string& base, const std::string& service) {
  ASSERT_TRUE(std::filesystem::exists(kNpmDir + "/node_modules/@opentelemetry/sdk-metrics"))
      << "run npm ci in " << kNpmDir << " (scripts/setup.sh does)";
  std::string out, err;
  int rc = RunCommand({"/usr/bin/env", "node", kNpmDir + "/send.js", mode, base, service}, &out, "",
                      &err);
  ASSERT_EQ(rc, 0) << out << err;
}

json GetJson(const std::string& address, const std::string& target) {
  HttpReply reply = HttpCall(address, "GET", target);
  EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body << reply.error;
  return json::parse(reply.body, nullptr, false);
}

// The instant query's result: {labels as text: value}.
std::map<std::string, double> Query(const std::string& address, const std::string& promql) {
  json body = GetJson(address, "/api/v1/query?query=" + UrlEncode(promql));
  std::map<std::string, double> out;
  for (const json& r : body["data"]["result"]) {
    std::string labels;
    for (const auto& [name, value] : r["metric"].items()) {
      StrAppend(&labels, labels.empty() ? "" : ",", name, "=", value.get<std::string>());
    }
    out[labels] = std::stod(r["value"][1].get<std::string>());
  }
  return out;
}

double One(const std::string& address, const std::string& promql) {
  auto values = Query(address, promql);
  EXPECT_EQ(values.size(), 1u) << promql;
  return values.empty() ? -1 : values.begin()->second;
}

// The lines of a LogQL query over the last hour, newest first.
std::vector<std::string> Lines(const std::string& address, const std::string& logql) {
  json body = GetJson(address, "/loki/api/v1/query_range?limit=100&query=" + UrlEncode(logql));
  std::vector<std::string> lines;
  for (const json& stream : body["data"]["result"]) {
    for (const json& value : stream["values"]) lines.push_back(value[1]);
  }
  return lines;
}

class OtlpSdkTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OtlpSdkTest, MetricsAndLogsArriveWithTheirNamesLabelsAndValues) {
  TempDir dir;
  OtlpServer server(dir);
  server.Start();
  ASSERT_FALSE(server.otlp_http().empty());
  const std::string mode = GetParam();
  const std::string base = "http://" + (mode == "grpc"        ? server.vigied().grpc_address()
                                        : mode == "http-json" ? server.otlp_http()
                                                              : server.vigied().http_address());
  const std::string service = "shop-" + mode;
  ASSERT_NO_FATAL_FAILURE(Send(mode, base, service));
  const std::string http = server.vigied().http_address();

  // The same measurements, exported cumulative and delta, give the same Prometheus series.
  for (const std::string& job : {service, service + "-delta"}) {
    SCOPED_TRACE(job);
    const std::string sel = StrCat("job=\"", job, "\"");
    EXPECT_THAT(
        Query(http, StrCat("demo_requests_total{", sel, "}")),
        ElementsAre(
            std::pair(StrCat("__name__=demo_requests_total,instance=instance-1,job=", job,
                             ",otel_scope_name=demo-meter,otel_scope_version=1.2.3,route=/a"),
                      7.0),
            std::pair(StrCat("__name__=demo_requests_total,instance=instance-1,job=", job,
                             ",otel_scope_name=demo-meter,otel_scope_version=1.2.3,route=/b"),
                      2.0)));
    EXPECT_EQ(One(http, StrCat("demo_queue_depth{", sel, "}")), 2);
    for (auto [le, count] : {std::pair{"0.01", 1}, {"0.1", 2}, {"1", 3}, {"+Inf", 4}}) {
      EXPECT_EQ(One(http, StrCat("demo_latency_seconds_bucket{", sel, ",le=\"", le, "\"}")), count)
          << le;
    }
    EXPECT_EQ(One(http, StrCat("demo_latency_seconds_count{", sel, "}")), 4);
    EXPECT_NEAR(One(http, StrCat("demo_latency_seconds_sum{", sel, "}")), 4.253, 1e-9);
    EXPECT_EQ(One(http, StrCat("target_info{", sel, ",host_name=\"test-host\"}")), 1);
  }
  json metadata = GetJson(http, "/api/v1/metadata?metric=demo_latency_seconds");
  EXPECT_EQ(metadata["data"]["demo_latency_seconds"][0]["type"], "histogram") << metadata;
  EXPECT_EQ(metadata["data"]["demo_latency_seconds"][0]["unit"], "s") << metadata;
  EXPECT_THAT(Lines(http, StrCat("{service_name=\"", service, "\", severity=\"error\"}")),
              ElementsAre("payment failed order.id=A-17 attempt=3"));
  EXPECT_THAT(Lines(http, StrCat("{service_name=\"", service, "\", severity=\"info\"}")),
              ElementsAre("user logged in user=ann"));
  // The attributes come back as labels with | logfmt.
  EXPECT_THAT(Lines(http, StrCat("{service_name=\"", service, "\"} | logfmt | attempt=\"3\"")),
              ElementsAre("payment failed order.id=A-17 attempt=3"));
}

INSTANTIATE_TEST_SUITE_P(Transports, OtlpSdkTest,
                         ::testing::Values("grpc", "http-json", "http-proto"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

// An OTLP/JSON request of one gauge point now, plus one exponential histogram point.
std::string GaugeJson(const std::string& service, double value) {
  const uint64_t now_ns = static_cast<uint64_t>(NowNanos());
  json point = {{"timeUnixNano", std::to_string(now_ns)}, {"asDouble", value}};
  json resource = {
      {"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", service}}}}}}};
  json metrics = {
      {{"name", "room.temperature"}, {"unit", "Cel"}, {"gauge", {{"dataPoints", {point}}}}},
      {{"name", "latency"},
       {"exponentialHistogram",
        {{"aggregationTemporality", 2},
         {"dataPoints", {{{"timeUnixNano", std::to_string(now_ns)}}}}}}}};
  return json{
      {"resourceMetrics", {{{"resource", resource}, {"scopeMetrics", {{{"metrics", metrics}}}}}}}}
      .dump();
}

TEST(OtlpHttpTest, PartialSuccessErrorsInTheRequestEncodingAndKill9) {
  TempDir dir;
  OtlpServer server(dir);
  server.Start();
  const Headers json_type = {{"Content-Type", "application/json"}};

  HttpReply partial =
      HttpCall(server.otlp_http(), "POST", "/v1/metrics", GaugeJson("lab", 21.5), json_type);
  ASSERT_EQ(partial.status, 200u) << partial.body;
  EXPECT_EQ(partial.content_type, "application/json");
  json answer = json::parse(partial.body, nullptr, false);
  EXPECT_EQ(answer["partialSuccess"]["rejectedDataPoints"], "1") << partial.body;
  EXPECT_THAT(answer["partialSuccess"]["errorMessage"].get<std::string>(),
              HasSubstr("metric \"latency\": exponential histograms are not supported"));

  // Malformed: 400 with a google.rpc.Status in the request's encoding.
  HttpReply bad_json =
      HttpCall(server.otlp_http(), "POST", "/v1/logs", "{\"resourceLogs\":", json_type);
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_THAT(json::parse(bad_json.body, nullptr, false)["message"].get<std::string>(),
              HasSubstr("not valid JSON"));
  HttpReply bad_proto = HttpCall(server.vigied().http_address(), "POST", "/v1/metrics", "\x0a\xff",
                                 {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(bad_proto.status, 400u);
  EXPECT_EQ(bad_proto.content_type, "application/x-protobuf");
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(bad_proto.body));
  EXPECT_EQ(status.code(), 3);  // INVALID_ARGUMENT
  EXPECT_THAT(status.message(), HasSubstr("not a protobuf ExportMetricsServiceRequest"));
  EXPECT_EQ(
      HttpCall(server.otlp_http(), "POST", "/v1/metrics", "x", {{"Content-Type", "text/plain"}})
          .status,
      415u);
  // The OTLP/HTTP port serves OTLP only.
  EXPECT_EQ(HttpCall(server.otlp_http(), "GET", "/api/v1/query?query=up").status, 404u);

  // What was acknowledged survives kill -9.
  server.vigied().Kill9();
  server.vigied().Start();
  EXPECT_EQ(One(server.vigied().http_address(), "room_temperature_celsius{job=\"lab\"}"), 21.5);
}

TEST(OtlpAuthTest, TokensWithTheIngestScopeAreRequired) {
  TempDir dir;
  std::string tokens = WriteFile(dir, "tokens", "tok-ingest ingest\ntok-query query\n");
  OtlpServer server(dir, {"--token-file", tokens});
  server.Start();

  auto stub = cm::MetricsService::NewStub(
      grpc::CreateChannel(server.vigied().grpc_address(), grpc::InsecureChannelCredentials()));
  cm::ExportMetricsServiceRequest request;
  cm::ExportMetricsServiceResponse response;
  auto call = [&](const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    return stub->Export(&context, request, &response).error_code();
  };
  EXPECT_EQ(call(""), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("tok-query"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call("tok-ingest"), grpc::StatusCode::OK);

  const Headers proto = {{"Content-Type", "application/x-protobuf"}};
  for (const std::string& address : {server.otlp_http(), server.vigied().http_address()}) {
    EXPECT_EQ(HttpCall(address, "POST", "/v1/logs", "", proto).status, 401u);
    Headers with_token = proto;
    with_token.push_back({"Authorization", "Bearer tok-ingest"});
    EXPECT_EQ(HttpCall(address, "POST", "/v1/logs", "", with_token).status, 200u);
  }
}

}  // namespace
}  // namespace vigie::testing
