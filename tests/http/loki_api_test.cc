// Loki's HTTP API end to end, against a real vigied: push (JSON, snappy protobuf), query_range
// (streams and matrix), instant query, labels, label values, series, tail over WebSocket,
// tokens, and /metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <snappy.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/time.h"
#include "loki/push.pb.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/http/loki_test_util.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const Headers kJson = {{"Content-Type", "application/json"}};

class LokiApiTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  void PushJson(const json& body, unsigned want_status = 204) {
    vigie::testing::PushJson(address(), body, want_status);
  }
  const std::string& address() const { return server_.http_address(); }

  TempDir dir_;
  Vigied server_{dir_.path() + "/data"};
};

TEST_F(LokiApiTest, JsonPushThenQueryRangeReturnsStreams) {
  json with_metadata = Entry(Recent(2), "GET /b 404");
  with_metadata.push_back({{"trace_id", "x"}});
  PushJson(Streams({Stream({{"job", "api"}, {"host", "web1"}},
                           {Entry(Recent(1), "GET /a 200"), Entry(Recent(3), "GET /c 500")}),
                    Stream({{"job", "api"}, {"host", "web2"}}, {with_metadata})}));
  json body = Get(address(), "/loki/api/v1/query_range", {{"query", R"({job="api"})"}});
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["resultType"], "streams");
  ASSERT_EQ(body["data"]["result"].size(), 2u);
  // Newest first overall (direction=backward), grouped by stream in order of appearance.
  EXPECT_EQ(body["data"]["result"][0]["stream"], json({{"host", "web1"}, {"job", "api"}}));
  EXPECT_THAT(Lines(body), ElementsAre("GET /c 500", "GET /a 200", "GET /b 404"));
  EXPECT_EQ(body["data"]["result"][0]["values"][0][0], Ns(Recent(3)));
  EXPECT_TRUE(body["data"]["stats"]["summary"].contains("execTime"));

  body = Get(address(), "/loki/api/v1/query_range",
             {{"query", R"({job="api"} != "404")"}, {"direction", "forward"}, {"limit", "1"}});
  EXPECT_THAT(Lines(body), ElementsAre("GET /a 200"));

  body = Get(address(), "/loki/api/v1/query_range",
             {{"query", R"({job="api"})"}, {"start", Ns(Recent(2))}, {"end", Ns(Recent(3))}});
  EXPECT_THAT(Lines(body), ElementsAre("GET /b 404"));  // [start, end)
}

TEST_F(LokiApiTest, SnappyProtobufPushThenPostFormQuery) {
  logproto::PushRequest request;
  logproto::StreamAdapter* stream = request.add_streams();
  stream->set_labels(R"({job="promtail", file="/var/log/syslog"})");
  for (int i = 0; i < 3; ++i) {
    logproto::EntryAdapter* entry = stream->add_entries();
    entry->mutable_timestamp()->set_seconds(Recent(i) / kNanosPerSecond);
    entry->mutable_timestamp()->set_nanos(123);
    entry->set_line("proto line " + std::to_string(i));
  }
  std::string raw = request.SerializeAsString(), body;
  snappy::Compress(raw.data(), raw.size(), &body);
  HttpReply push = HttpCall(address(), "POST", "/loki/api/v1/push", body,
                            {{"Content-Type", "application/x-protobuf"}});
  ASSERT_EQ(push.status, 204u) << push.body;

  HttpReply reply = HttpCall(
      address(), "POST", "/loki/api/v1/query_range",
      QueryString({{"query", R"({job="promtail"} |~ "line [02]")"}, {"direction", "FORWARD"}}),
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(reply.status, 200u) << reply.body;
  json result = json::parse(reply.body);
  EXPECT_THAT(Lines(result), ElementsAre("proto line 0", "proto line 2"));
  EXPECT_EQ(result["data"]["result"][0]["values"][0][0], Ns(Recent(0) + 123));
}

TEST_F(LokiApiTest, MetricQueriesAnswerMatrixAndVector) {
  int64_t base = (NowNanos() / kNanosPerSecond / 60 - 5) * 60 * kNanosPerSecond;  // A minute.
  std::vector<json> hits;
  for (int i = 0; i < 6; ++i) hits.push_back(Entry(base + i * kNanosPerSecond, "hit"));
  PushJson(Streams({Stream({{"job", "web"}, {"level", "info"}}, hits),
                    Stream({{"job", "web"}, {"level", "error"}},
                           {Entry(base + 10 * kNanosPerSecond, "boom")})}));
  std::string query = R"(sum by (level) (count_over_time({job="web"}[1m])))";
  // Loki's windows: (t - 1m, t]. At base+30s both streams count; at base+90s neither does, so
  // there is no point.
  json body = Get(address(), "/loki/api/v1/query_range",
                  {{"query", query},
                   {"start", Ns(base + 30 * kNanosPerSecond)},
                   {"end", Ns(base + 90 * kNanosPerSecond)},
                   {"step", "60s"}});
  EXPECT_EQ(body["data"]["resultType"], "matrix");
  double at = static_cast<double>(base / kNanosPerSecond + 30);
  EXPECT_EQ(body["data"]["result"],
            json::array({json({{"metric", {{"level", "error"}}},
                               {"values", json::array({json::array({at, "1"})})}}),
                         json({{"metric", {{"level", "info"}}},
                               {"values", json::array({json::array({at, "6"})})}})}))
      << body.dump();

  body = Get(address(), "/loki/api/v1/query",
             {{"query", query}, {"time", Ns(base + 30 * kNanosPerSecond)}});
  EXPECT_EQ(body["data"]["resultType"], "vector");
  ASSERT_EQ(body["data"]["result"].size(), 2u) << body.dump();
  EXPECT_EQ(body["data"]["result"][1]["value"][1], "6");

  // Grafana's data source health check.
  body = Get(address(), "/loki/api/v1/query", {{"query", "vector(1)+vector(1)"}});
  EXPECT_EQ(body["data"]["result"][0]["value"][1], "2");
}

TEST_F(LokiApiTest, LabelsLabelValuesAndSeries) {
  PushJson(Streams({Stream({{"job", "api"}, {"env", "prod"}}, {Entry(Recent(0), "a")}),
                    Stream({{"job", "db"}, {"zone", "eu"}}, {Entry(Recent(0), "b")})}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/labels", {}),
            json({{"status", "success"}, {"data", json::array({"env", "job", "zone"})}}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/label/job/values", {})["data"],
            json::array({"api", "db"}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/label/job/values", {{"query", R"({zone="eu"})"}})["data"],
            json::array({"db"}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/labels", {{"query", R"({job="api"})"}})["data"],
            json::array({"env", "job"}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/label/nothing/values", {})["data"], json::array());
  // A window without data.
  EXPECT_EQ(Get(address(), "/loki/api/v1/labels",
                {{"start", "1000000000"}, {"end", "1000003600"}})["data"],
            json::array());
  EXPECT_EQ(Get(address(), "/loki/api/v1/series", {{"match[]", R"({job=~"api|db"})"}})["data"],
            json::array(
                {json({{"env", "prod"}, {"job", "api"}}), json({{"job", "db"}, {"zone", "eu"}})}));
  EXPECT_EQ(Get(address(), "/loki/api/v1/index/stats", {{"query", R"({job=~"api|db"})"}}),
            json({{"streams", 2}, {"chunks", 2}, {"entries", 2}, {"bytes", 2}}));
}

TEST_F(LokiApiTest, PartialPushStoresTheValidPartAndNamesTheRest) {
  json body = Streams({Stream({{"job", "ok"}}, {Entry(Recent(0), "kept")}),
                       Stream({{"bad-name", "x"}}, {Entry(Recent(0), "no")}),
                       Stream({{"job", "ok"}}, {json::array({"soon", "bad time"})})});
  HttpReply reply = HttpCall(address(), "POST", "/loki/api/v1/push", body.dump(), kJson);
  EXPECT_EQ(reply.status, 400u);
  json error = json::parse(reply.body);
  EXPECT_EQ(error["status"], "error");
  EXPECT_EQ(error["accepted"], 1);
  EXPECT_EQ(error["rejected"], 2);
  std::string message = error["error"];
  EXPECT_THAT(message, HasSubstr("1 entries stored, 2 refused"));
  EXPECT_THAT(message, HasSubstr("stream 1"));
  EXPECT_THAT(message, HasSubstr("bad-name"));
  EXPECT_THAT(message, HasSubstr("stream 2 entry 0"));
  EXPECT_THAT(Lines(Get(address(), "/loki/api/v1/query_range", {{"query", R"({job="ok"})"}})),
              ElementsAre("kept"));
}

TEST_F(LokiApiTest, MalformedRequestsGetClearErrors) {
  HttpReply push = HttpCall(address(), "POST", "/loki/api/v1/push", "{not json", kJson);
  EXPECT_EQ(push.status, 400u);
  EXPECT_THAT(json::parse(push.body)["error"].get<std::string>(), HasSubstr("not valid JSON"));
  HttpReply proto = HttpCall(address(), "POST", "/loki/api/v1/push", "not snappy",
                             {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(proto.status, 400u);
  EXPECT_THAT(proto.body, HasSubstr("snappy"));

  HttpReply parse =
      HttpCall(address(), "GET", "/loki/api/v1/query_range?" + QueryString({{"query", "{job=}"}}));
  EXPECT_EQ(parse.status, 400u);
  EXPECT_THAT(parse.content_type, HasSubstr("application/json"));
  EXPECT_THAT(json::parse(parse.body)["message"].get<std::string>(),
              HasSubstr("parse error at line 1, col 6"));
  HttpReply missing = HttpCall(address(), "GET", "/loki/api/v1/query_range");
  EXPECT_EQ(missing.status, 400u);
  EXPECT_THAT(json::parse(missing.body)["error"].get<std::string>(), HasSubstr("\"query\""));
  HttpReply range = HttpCall(
      address(), "GET",
      "/loki/api/v1/query_range?" + QueryString({{"query", R"({job="x"})"}, {"since", "400d"}}));
  EXPECT_EQ(range.status, 400u);
  EXPECT_THAT(range.body, HasSubstr("longer than the limit"));
  HttpReply limit = HttpCall(
      address(), "GET",
      "/loki/api/v1/query_range?" + QueryString({{"query", R"({job="x"})"}, {"limit", "x"}}));
  EXPECT_EQ(limit.status, 400u);
  EXPECT_THAT(limit.body, HasSubstr("limit"));
}

TEST_F(LokiApiTest, InvalidUtf8LinesComeBackWithReplacementCharacters) {
  logproto::PushRequest request;
  logproto::StreamAdapter* stream = request.add_streams();
  stream->set_labels(R"({job="bytes"})");
  logproto::EntryAdapter* entry = stream->add_entries();
  entry->mutable_timestamp()->set_seconds(Recent(0) / kNanosPerSecond);
  entry->set_line("ok");
  std::string raw = request.SerializeAsString();
  // Swap the line's bytes for invalid UTF-8 of the same length after serialising.
  raw.replace(raw.rfind("ok"), 2, "\xff\xfe");
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  ASSERT_EQ(HttpCall(address(), "POST", "/loki/api/v1/push", body).status, 204u);
  json result = Get(address(), "/loki/api/v1/query_range", {{"query", R"({job="bytes"})"}});
  EXPECT_THAT(Lines(result), ElementsAre("\xEF\xBF\xBD\xEF\xBF\xBD"));
}

TEST_F(LokiApiTest, TailSeesALinePushedAfterItStartedWithinOneSecond) {
  PushJson(Streams({Stream({{"job", "tail"}}, {Entry(Recent(0), "old")})}));
  TailClient tail(address(),
                  "/loki/api/v1/tail?" + QueryString({{"query", R"({job="tail"} |= "wanted")"},
                                                      {"start", Ns(Recent(-10))}}));
  ASSERT_TRUE(tail.connected()) << tail.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Let it subscribe.
  int64_t ts = NowNanos();
  auto pushed = Clock::now();
  PushJson(Streams(
      {Stream({{"job", "tail"}}, {Entry(ts, "not this"), Entry(ts + 1, "the wanted line")})}));
  std::optional<std::string> frame = tail.Read(std::chrono::seconds(1));
  EXPECT_LT(Clock::now() - pushed, std::chrono::seconds(1));
  ASSERT_TRUE(frame.has_value());
  json message = json::parse(*frame);
  EXPECT_EQ(message["streams"][0]["stream"], json({{"job", "tail"}}));
  EXPECT_EQ(message["streams"][0]["values"], json::array({Entry(ts + 1, "the wanted line")}));
  EXPECT_EQ(message["dropped_entries"], json::array());
}

TEST_F(LokiApiTest, TailSendsTheBackfillFirst) {
  PushJson(Streams({Stream({{"job", "tail"}}, {Entry(Recent(0), "one"), Entry(Recent(1), "two"),
                                               Entry(Recent(2), "three")})}));
  TailClient tail(address(), "/loki/api/v1/tail?" + QueryString({{"query", R"({job="tail"})"},
                                                                 {"start", Ns(Recent(-10))},
                                                                 {"limit", "2"}}));
  ASSERT_TRUE(tail.connected()) << tail.error();
  std::optional<std::string> frame = tail.Read(std::chrono::seconds(5));
  ASSERT_TRUE(frame.has_value());
  // The newest two, oldest first.
  EXPECT_EQ(json::parse(*frame)["streams"][0]["values"],
            json::array({Entry(Recent(1), "two"), Entry(Recent(2), "three")}));
}

TEST_F(LokiApiTest, MetricsCountTheIngestedLines) {
  PushJson(Streams({Stream(
      {{"job", "m"}}, {Entry(Recent(0), "a"), Entry(Recent(1), "b"), Entry(Recent(2), "c")})}));
  HttpReply metrics = HttpCall(address(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_THAT(metrics.body, HasSubstr("vigie_ingested_lines_total{protocol=\"loki_json\"} 3"));
  Get(address(), "/loki/api/v1/labels", {});
  EXPECT_THAT(HttpCall(address(), "GET", "/metrics").body,
              HasSubstr("vigie_query_duration_seconds_count{api=\"loki\",kind=\"labels\"} 1"));
}

TEST(LokiApiAuthTest, ABadTokenIsRefused) {
  TempDir dir;
  std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "secret ingest,query\n";
  Vigied server(dir.path() + "/data", {"--token-file", tokens});
  server.Start();
  std::string push = Streams({Stream({{"job", "auth"}}, {Entry(Recent(0), "line")})}).dump();
  Headers bad = {{"Authorization", "Bearer wrong"}, {"Content-Type", "application/json"}};
  Headers good = {{"Authorization", "Bearer secret"}, {"Content-Type", "application/json"}};
  EXPECT_EQ(HttpCall(server.http_address(), "POST", "/loki/api/v1/push", push, bad).status, 401u);
  EXPECT_EQ(HttpCall(server.http_address(), "POST", "/loki/api/v1/push", push).status, 401u);
  EXPECT_EQ(HttpCall(server.http_address(), "GET", "/loki/api/v1/labels", "", bad).status, 401u);
  TailClient tail(server.http_address(), "/loki/api/v1/tail?query=%7Bjob%3D%22auth%22%7D",
                  {{"Authorization", "Bearer wrong"}});
  EXPECT_FALSE(tail.connected());
  EXPECT_EQ(HttpCall(server.http_address(), "POST", "/loki/api/v1/push", push, good).status, 204u);
  HttpReply labels = HttpCall(server.http_address(), "GET", "/loki/api/v1/labels", "", good);
  EXPECT_EQ(labels.body, R"({"data":["job"],"status":"success"})");
  EXPECT_EQ(HttpCall(server.http_address(), "GET", "/healthz").status, 200u);
}

}  // namespace
}  // namespace vigie::testing
