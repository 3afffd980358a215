// OTLP's mapping into series and log streams (server/otlp/, docs/otlp.md) without a process:
// names and units, every metric kind, delta totals committed only once stored, partial success,
// log records as lines, and the OTLP/JSON decoder. The same with the real OpenTelemetry JS SDK
// and a running vigied: tests/integration/otlp_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "google/rpc/status.pb.h"
#include "server/ingester.h"
#include "server/otlp/codec.h"
#include "server/otlp/http_endpoints.h"
#include "server/otlp/logs_map.h"
#include "server/otlp/metrics_map.h"
#include "server/otlp/prom_names.h"
#include "server/otlp/receiver.h"
#include "store/series.h"
#include "tests/store/series_batch_util.h"

namespace vigie::server::otlp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

namespace pm = opentelemetry::proto::metrics::v1;
namespace pl = opentelemetry::proto::logs::v1;

constexpr int64_t kNowMs = 1'765'000'000'000;
constexpr uint64_t kNowNs = static_cast<uint64_t>(kNowMs) * 1'000'000;

TEST(PromNamesTest, NamesAndUnitsAsTheCompatibilitySpecSays) {
  EXPECT_EQ(PromMetricName("http.server.request.duration", "s", PromKind::kHistogram),
            "http_server_request_duration_seconds");
  EXPECT_EQ(PromMetricName("system.filesystem.usage", "By", PromKind::kGauge),
            "system_filesystem_usage_bytes");
  EXPECT_EQ(PromMetricName("system.network.dropped", "{packets}", PromKind::kCounter),
            "system_network_dropped_total");
  EXPECT_EQ(PromMetricName("system.memory.utilization", "1", PromKind::kGauge),
            "system_memory_utilization_ratio");
  EXPECT_EQ(PromMetricName("requests", "1", PromKind::kCounter), "requests_total");
  EXPECT_EQ(PromMetricName("speed", "m/s", PromKind::kGauge), "speed_meters_per_second");
  EXPECT_EQ(PromMetricName("rate", "{request}/s", PromKind::kGauge), "rate_per_second");
  EXPECT_EQ(PromMetricName("queue", "MiBy", PromKind::kGauge), "queue_mebibytes");
  EXPECT_EQ(PromMetricName("load", "%", PromKind::kGauge), "load_percent");
  EXPECT_EQ(PromMetricName("odd", "packets", PromKind::kCounter), "odd_packets_total");
  // Suffixes already there are not repeated.
  EXPECT_EQ(PromMetricName("process.cpu.time_seconds", "s", PromKind::kCounter),
            "process_cpu_time_seconds_total");
  EXPECT_EQ(PromMetricName("logins_total", "", PromKind::kCounter), "logins_total");
  // Characters outside the alphabet, runs of '_', leading and trailing ones; a leading digit.
  EXPECT_EQ(PromMetricName("(lambda).function.executions(#)", "", PromKind::kGauge),
            "lambda_function_executions");
  EXPECT_EQ(PromMetricName("a..b__c", "", PromKind::kGauge), "a_b_c");
  EXPECT_EQ(PromMetricName("2xx.responses", "", PromKind::kGauge), "_2xx_responses");
  EXPECT_EQ(PromMetricName("ns:metric", "", PromKind::kGauge), "ns:metric");
  EXPECT_EQ(PromMetricName("", "", PromKind::kGauge), "_");

  EXPECT_EQ(PromLabelName("http.method"), "http_method");
  EXPECT_EQ(PromLabelName("2xx"), "key_2xx");
  EXPECT_EQ(PromLabelName("_private"), "key_private");
  EXPECT_EQ(PromLabelName("__name__"), "key__name__");
  EXPECT_EQ(PromLabelName(""), "key_empty");
}

// A recording store: keeps what the Ingester asks it to write, or fails when told to.
class RecordingAppender : public store::Appender {
 public:
  store::PreparedAppend Prepare(const store::AppendRequest& request) override {
    pending = request;
    return {};
  }
  absl::StatusOr<store::AppendResult> Commit(store::PreparedAppend) override {
    if (!fail.ok()) return fail;
    for (auto& s : testing::Unflatten(pending.series)) series.push_back(std::move(s));
    for (auto& s : pending.streams) streams.push_back(std::move(s));
    store::AppendResult result;
    return result;
  }
  // The stored samples by series ("{a="b", ...}") in the order stored.
  std::map<std::string, std::vector<double>> Values() const {
    std::map<std::string, std::vector<double>> out;
    for (const auto& s : series) {
      for (const auto& sample : s.samples) out[s.labels.ToString()].push_back(sample.value);
    }
    return out;
  }

  absl::Status fail;
  store::AppendRequest pending;
  std::vector<store::SeriesSamples> series;
  std::vector<store::StreamEntries> streams;
};

void SetString(opentelemetry::proto::common::v1::KeyValue* kv, std::string key, std::string v) {
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(v));
}

class OtlpMetricsTest : public ::testing::Test {
 protected:
  // A request of one resource (service "shop" in namespace "eu", instance "i-1", host "h1"),
  // scope "meter" 1.0.
  pm::ScopeMetrics* NewScope() {
    auto* resource = request_.add_resource_metrics();
    auto* attributes = resource->mutable_resource()->mutable_attributes();
    SetString(attributes->Add(), "service.name", "shop");
    SetString(attributes->Add(), "service.namespace", "eu");
    SetString(attributes->Add(), "service.instance.id", "i-1");
    SetString(attributes->Add(), "host.name", "h1");
    auto* scope = resource->add_scope_metrics();
    scope->mutable_scope()->set_name("meter");
    scope->mutable_scope()->set_version("1.0");
    return scope;
  }
  static pm::NumberDataPoint* AddNumber(google::protobuf::RepeatedPtrField<pm::NumberDataPoint>* p,
                                        double value, std::string method) {
    auto* point = p->Add();
    point->set_time_unix_nano(kNowNs);
    point->set_as_double(value);
    SetString(point->add_attributes(), "http.method", std::move(method));
    return point;
  }
  absl::StatusOr<ExportOutcome> Export() {
    return receiver_.ExportMetrics(request_, {"otlp_test", "tester", ""});
  }

  // The text form of a series of the resource and scope of NewScope() named `name`, with `extra`.
  static std::string Series(std::string name, std::vector<Label> extra = {}) {
    extra.push_back({"__name__", std::move(name)});
    for (auto [n, v] : {std::pair{"instance", "i-1"},
                        {"job", "eu/shop"},
                        {"otel_scope_name", "meter"},
                        {"otel_scope_version", "1.0"}}) {
      extra.push_back({n, v});
    }
    return LabelSet::Make(std::move(extra))->ToString();
  }
  static constexpr char kCommon[] =
      R"(instance="i-1", job="eu/shop", otel_scope_name="meter", otel_scope_version="1.0")";
  ExportMetricsRequest request_;
  RecordingAppender appender_;
  TailHub tails_;
  ServerMetrics metrics_{nullptr};
  Ingester ingester_{&appender_, &tails_, &metrics_, Limits(), [] { return kNowMs * 1'000'000; }};
  MetadataRegistry metadata_;
  Receiver receiver_{&ingester_, &metadata_, 60'000'000'000, [] { return kNowMs * 1'000'000; }};
};

TEST_F(OtlpMetricsTest, SumsAndGaugesWithResourceLabelsAndTargetInfo) {
  pm::ScopeMetrics* scope = NewScope();
  pm::Metric* counter = scope->add_metrics();
  counter->set_name("http.requests");
  counter->set_unit("{request}");
  counter->mutable_sum()->set_is_monotonic(true);
  counter->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  AddNumber(counter->mutable_sum()->mutable_data_points(), 7, "GET");
  pm::Metric* updown = scope->add_metrics();
  updown->set_name("queue.depth");
  updown->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  AddNumber(updown->mutable_sum()->mutable_data_points(), -3, "GET");
  pm::Metric* gauge = scope->add_metrics();
  gauge->set_name("cpu.utilization");
  gauge->set_unit("1");
  auto* int_point = gauge->mutable_gauge()->add_data_points();
  int_point->set_time_unix_nano(kNowNs);
  int_point->set_as_int(1);

  auto outcome = Export();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->rejected, 0) << outcome->error_message;
  const std::string c = kCommon;
  EXPECT_THAT(
      appender_.Values(),
      UnorderedElementsAre(
          Pair(R"({__name__="http_requests_total", http_method="GET", )" + c + "}", ElementsAre(7)),
          Pair(R"({__name__="queue_depth", http_method="GET", )" + c + "}", ElementsAre(-3)),
          Pair(R"({__name__="cpu_utilization_ratio", )" + c + "}", ElementsAre(1)),
          Pair(R"({__name__="target_info", host_name="h1", instance="i-1", job="eu/shop"})",
               ElementsAre(1))));
  EXPECT_EQ(appender_.series[0].samples[0].ts_ms, kNowMs);
  auto metadata = metadata_.List("http_requests_total", 0);
  ASSERT_EQ(metadata.size(), 1u);
  EXPECT_EQ(metadata[0].second.type, "counter");
  EXPECT_EQ(metadata[0].second.unit, "{request}");
  EXPECT_EQ(metadata_.List("queue_depth", 0).at(0).second.type, "gauge");
}

TEST_F(OtlpMetricsTest, HistogramsAsCumulativeBucketsSumAndCount) {
  pm::Metric* histogram = NewScope()->add_metrics();
  histogram->set_name("latency");
  histogram->set_unit("ms");
  histogram->mutable_histogram()->set_aggregation_temporality(
      pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* point = histogram->mutable_histogram()->add_data_points();
  point->set_time_unix_nano(kNowNs);
  point->set_count(6);
  point->set_sum(123.5);
  for (double bound : {10.0, 0.25e3}) point->add_explicit_bounds(bound);
  for (uint64_t count : {1, 3, 2}) point->add_bucket_counts(count);
  pm::Metric* summary = NewScope()->add_metrics();
  summary->set_name("rpc.duration");
  summary->set_unit("s");
  auto* s = summary->mutable_summary()->add_data_points();
  s->set_time_unix_nano(kNowNs);
  s->set_count(4);
  s->set_sum(2);
  auto* q = s->add_quantile_values();
  q->set_quantile(0.99);
  q->set_value(1.5);

  ASSERT_TRUE(Export().ok());
  const std::string c = kCommon;
  auto values = appender_.Values();
  EXPECT_THAT(values[Series("latency_milliseconds_bucket", {{"le", "10"}})], ElementsAre(1));
  EXPECT_THAT(values[Series("latency_milliseconds_bucket", {{"le", "250"}})], ElementsAre(4));
  EXPECT_THAT(values[Series("latency_milliseconds_bucket", {{"le", "+Inf"}})], ElementsAre(6));
  EXPECT_THAT(values[R"({__name__="latency_milliseconds_sum", )" + c + "}"], ElementsAre(123.5));
  EXPECT_THAT(values[R"({__name__="latency_milliseconds_count", )" + c + "}"], ElementsAre(6));
  EXPECT_THAT(values[Series("rpc_duration_seconds", {{"quantile", "0.99"}})], ElementsAre(1.5));
  EXPECT_THAT(values[R"({__name__="rpc_duration_seconds_sum", )" + c + "}"], ElementsAre(2));
  EXPECT_THAT(values[R"({__name__="rpc_duration_seconds_count", )" + c + "}"], ElementsAre(4));
}

TEST_F(OtlpMetricsTest, DeltaSumsAccumulateOnlyOnceStored) {
  pm::Metric* counter = NewScope()->add_metrics();
  counter->set_name("logins");
  counter->mutable_sum()->set_is_monotonic(true);
  counter->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  pm::NumberDataPoint* point = AddNumber(counter->mutable_sum()->mutable_data_points(), 5, "GET");
  const std::string series =
      R"({__name__="logins_total", http_method="GET", )" + std::string(kCommon) + "}";

  ASSERT_TRUE(Export().ok());
  // A failed store adds nothing: the exporter's retry of the same delta is counted once.
  point->set_as_double(3);
  point->set_time_unix_nano(kNowNs + 1'000'000'000);
  appender_.fail = absl::UnavailableError("disk on fire");
  EXPECT_TRUE(absl::IsUnavailable(Export().status()));
  appender_.fail = absl::OkStatus();
  ASSERT_TRUE(Export().ok());
  point->set_as_double(2);
  point->set_time_unix_nano(kNowNs + 2'000'000'000);
  ASSERT_TRUE(Export().ok());
  EXPECT_THAT(appender_.Values()[series], ElementsAre(5, 8, 10));
  EXPECT_EQ(receiver_.delta_totals().size(), 1u);
}

TEST_F(OtlpMetricsTest, DeltaHistogramBucketsAccumulatePerSeries) {
  pm::Metric* histogram = NewScope()->add_metrics();
  histogram->set_name("size");
  histogram->set_unit("By");
  histogram->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* point = histogram->mutable_histogram()->add_data_points();
  point->set_time_unix_nano(kNowNs);
  point->set_count(2);
  point->set_sum(300);
  point->add_explicit_bounds(100);
  point->add_bucket_counts(1);
  point->add_bucket_counts(1);
  ASSERT_TRUE(Export().ok());
  point->set_time_unix_nano(kNowNs + 1'000'000'000);
  point->set_count(1);
  point->set_sum(50);
  point->set_bucket_counts(0, 1);
  point->set_bucket_counts(1, 0);
  ASSERT_TRUE(Export().ok());
  const std::string c = kCommon;
  auto values = appender_.Values();
  EXPECT_THAT(values[Series("size_bytes_bucket", {{"le", "100"}})], ElementsAre(1, 2));
  EXPECT_THAT(values[Series("size_bytes_bucket", {{"le", "+Inf"}})], ElementsAre(2, 3));
  EXPECT_THAT(values[R"({__name__="size_bytes_sum", )" + c + "}"], ElementsAre(300, 350));
  EXPECT_THAT(values[R"({__name__="size_bytes_count", )" + c + "}"], ElementsAre(2, 3));
}

TEST_F(OtlpMetricsTest, InvalidPointsAreRejectedAndNamedTheOthersStored) {
  pm::ScopeMetrics* scope = NewScope();
  pm::Metric* gauge = scope->add_metrics();
  gauge->set_name("temperature");
  gauge->set_unit("Cel");
  AddNumber(gauge->mutable_gauge()->mutable_data_points(), 21.5, "GET");
  AddNumber(gauge->mutable_gauge()->mutable_data_points(), 22, "POST")->set_time_unix_nano(0);
  pm::Metric* exponential = scope->add_metrics();
  exponential->set_name("latency");
  for (int i = 0; i < 2; ++i) {
    exponential->mutable_exponential_histogram()->add_data_points()->set_time_unix_nano(kNowNs);
  }
  pm::Metric* bad_buckets = scope->add_metrics();
  bad_buckets->set_name("sizes");
  bad_buckets->mutable_histogram()->set_aggregation_temporality(
      pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* point = bad_buckets->mutable_histogram()->add_data_points();
  point->set_time_unix_nano(kNowNs);
  point->add_explicit_bounds(1);
  point->add_bucket_counts(1);
  // A label value too long for vigied's limits: refused by the Ingester.
  AddNumber(gauge->mutable_gauge()->mutable_data_points(), 1, std::string(5000, 'x'));

  auto outcome = Export();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->rejected, 5);
  EXPECT_THAT(outcome->error_message,
              HasSubstr("metric \"temperature\": data point 1: time_unix_nano is 0"));
  EXPECT_THAT(outcome->error_message,
              HasSubstr("metric \"latency\": exponential histograms are not supported"));
  EXPECT_THAT(outcome->error_message,
              HasSubstr("metric \"sizes\": data point 0: has 1 bucket_counts for 1"));
  EXPECT_THAT(outcome->error_message, HasSubstr("2048"));
  const std::string c = kCommon;
  auto values = appender_.Values();
  EXPECT_THAT(values[R"({__name__="temperature_celsius", http_method="GET", )" + c + "}"],
              ElementsAre(21.5));
  EXPECT_EQ(values.size(), 2u);  // With target_info.
}

TEST_F(OtlpMetricsTest, NoRecordedValueIsAStalenessMarker) {
  pm::Metric* gauge = NewScope()->add_metrics();
  gauge->set_name("up");
  AddNumber(gauge->mutable_gauge()->mutable_data_points(), 0, "GET")->set_flags(1);
  ASSERT_TRUE(Export().ok());
  ASSERT_EQ(appender_.series.size(), 2u);
  for (const auto& s : appender_.series) {
    if (s.labels.Get("__name__") == "up") EXPECT_TRUE(store::IsStaleNaN(s.samples[0].value));
  }
}

// OTLP/HTTP's answers when storing fails: 503 with Retry-After (the client retries) and a
// google.rpc.Status in the request's encoding; then, stored, 200 with the response message.
TEST_F(OtlpMetricsTest, HttpAnswersInTheRequestsEncoding) {
  pm::Metric* gauge = NewScope()->add_metrics();
  gauge->set_name("up");
  AddNumber(gauge->mutable_gauge()->mutable_data_points(), 1, "GET");
  Authorizer no_tokens({});
  std::vector<HttpEndpoint> endpoints = HttpEndpoints(&receiver_, &no_tokens, Limits());
  ASSERT_EQ(endpoints[0].path, "/v1/metrics");
  http::Request request;
  request.method = "POST";
  request.path = "/v1/metrics";
  request.content_type = "application/x-protobuf";
  request.body = request_.SerializeAsString();

  appender_.fail = absl::UnavailableError("disk on fire");
  http::Response failed = endpoints[0].handle(request);
  EXPECT_EQ(failed.status, 503u);
  EXPECT_EQ(failed.content_type, "application/x-protobuf");
  EXPECT_THAT(failed.headers, ElementsAre(Pair("Retry-After", "1")));
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(failed.body));
  EXPECT_EQ(status.code(), 14);  // UNAVAILABLE
  EXPECT_THAT(status.message(), HasSubstr("disk on fire"));
  EXPECT_TRUE(appender_.series.empty());

  appender_.fail = absl::OkStatus();
  http::Response stored = endpoints[0].handle(request);
  EXPECT_EQ(stored.status, 200u);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(stored.body));
  EXPECT_FALSE(response.has_partial_success());
  EXPECT_EQ(appender_.series.size(), 2u);  // up and target_info.
}

TEST(OtlpLogsTest, RecordsAsLinesOfStreamsByResourceAndSeverity) {
  ExportLogsRequest request;
  auto* resource = request.add_resource_logs();
  SetString(resource->mutable_resource()->add_attributes(), "service.name", "checkout");
  SetString(resource->mutable_resource()->add_attributes(), "process.pid", "42");
  auto* scope = resource->add_scope_logs();
  pl::LogRecord* error = scope->add_log_records();
  error->set_time_unix_nano(kNowNs);
  error->set_severity_text("ERROR");
  error->mutable_body()->set_string_value("payment failed");
  SetString(error->add_attributes(), "order.id", "A 17");
  error->add_attributes()->set_key("attempt");
  error->mutable_attributes(1)->mutable_value()->set_int_value(3);
  error->set_trace_id(
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  pl::LogRecord* info = scope->add_log_records();
  info->set_observed_time_unix_nano(kNowNs + 5);
  info->set_severity_number(pl::SEVERITY_NUMBER_INFO3);
  auto* kv = info->mutable_body()->mutable_kvlist_value()->add_values();
  kv->set_key("event");
  kv->mutable_value()->set_bool_value(true);
  pl::LogRecord* bare = scope->add_log_records();
  bare->mutable_body()->set_string_value("no time");

  ReceivedBatch batch = MapLogs(request, kNowMs * 1'000'000 + 9);
  ASSERT_EQ(batch.streams.size(), 3u);
  ASSERT_TRUE(batch.streams[0].labels.ok());
  EXPECT_THAT(*batch.streams[0].labels,
              ElementsAre(Label{"service_name", "checkout"}, Label{"severity", "error"}));
  ASSERT_EQ(batch.streams[0].entries.size(), 1u);
  EXPECT_EQ(
      batch.streams[0].entries[0].line,
      R"(payment failed order.id="A 17" attempt=3 trace_id=0102030405060708090a0b0c0d0e0f10)");
  EXPECT_EQ(batch.streams[0].entries[0].ts_ns, kNowMs * 1'000'000);
  EXPECT_THAT(*batch.streams[1].labels,
              ElementsAre(Label{"service_name", "checkout"}, Label{"severity", "info"}));
  EXPECT_EQ(batch.streams[1].entries[0].line, R"({"event":true})");
  EXPECT_EQ(batch.streams[1].entries[0].ts_ns, kNowMs * 1'000'000 + 5);
  EXPECT_THAT(*batch.streams[2].labels,
              ElementsAre(Label{"service_name", "checkout"}, Label{"severity", "unknown"}));
  EXPECT_EQ(batch.streams[2].entries[0].ts_ns, kNowMs * 1'000'000 + 9);
}

TEST(OtlpCodecTest, JsonMappingWithHexIdsStringIntegersAndNumericEnums) {
  auto logs = DecodeLogsRequest(R"({"resourceLogs":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"api"}}]},
    "scopeLogs":[{"scope":{"name":"s"},"logRecords":[{"timeUnixNano":"1765000000000000001",
      "severityNumber":17,"body":{"stringValue":"boom"},
      "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
      "attributes":[{"key":"n","value":{"intValue":"12"}}],"unknownField":1}]}]}]})",
                                Encoding::kJson);
  ASSERT_TRUE(logs.ok()) << logs.status();
  const pl::LogRecord& record = logs->resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(record.time_unix_nano(), 1765000000000000001u);
  EXPECT_EQ(record.severity_number(), pl::SEVERITY_NUMBER_ERROR);
  EXPECT_EQ(record.attributes(0).value().int_value(), 12);
  EXPECT_EQ(record.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<uint8_t>(record.trace_id()[0]), 0x5b);
  EXPECT_EQ(record.span_id().size(), 8u);

  auto metrics = DecodeMetricsRequest(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"c","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[
        {"timeUnixNano":1765000000000000000,"asInt":"5","exemplars":[{"traceId":"00ff"}]}]}}]}]}]})",
                                      Encoding::kJson);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const pm::Sum& sum = metrics->resource_metrics(0).scope_metrics(0).metrics(0).sum();
  EXPECT_EQ(sum.aggregation_temporality(), pm::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_EQ(sum.data_points(0).as_int(), 5);

  EXPECT_THAT(DecodeLogsRequest(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
      {"traceId":"not hex"}]}]}]})",
                                Encoding::kJson)
                  .status()
                  .message(),
              HasSubstr("traceId \"not hex\" is not hex"));
  EXPECT_THAT(DecodeMetricsRequest("{", Encoding::kJson).status().message(),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(DecodeMetricsRequest(R"({"resourceMetrics":7})", Encoding::kJson).status().message(),
              HasSubstr("not an OTLP/JSON ExportMetricsServiceRequest"));
  EXPECT_THAT(DecodeMetricsRequest("\xff\xff\xff", Encoding::kProtobuf).status().message(),
              HasSubstr("not a protobuf ExportMetricsServiceRequest"));
}

}  // namespace
}  // namespace vigie::server::otlp
