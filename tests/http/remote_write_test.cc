// Prometheus remote_write (POST /api/v1/write) and /api/v1/metadata on the HTTP server
// in-process, on a real store read back through its series API: what a Prometheus sender gets
// for each kind of request, and what is stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/series.h"
#include "tests/http/http_server_fixture.h"
#include "tests/http/remote_write_client.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RemoteWriteTest : public HttpServerTest {
 protected:
  // Every stored sample of metric `name`, by series, as "labels: t=v t=v".
  std::vector<std::string> Stored(const std::string& name) {
    store::SeriesMatcher matcher{"__name__", [name](std::string_view v) { return v == name; },
                                 name};
    std::vector<std::string> out;
    const store::SeriesQuerier& querier = *store_;
    auto reader = querier.NewSeriesReader();
    for (const store::SeriesRef& ref : querier.SelectSeries(std::span(&matcher, 1), 0, INT64_MAX)) {
      std::vector<store::Sample> samples;
      EXPECT_TRUE(reader->Samples(ref.id, 0, INT64_MAX, &samples).ok());
      std::string line = ref.labels.ToString() + ":";
      for (const store::Sample& s : samples) {
        line += StrCat(" ", s.ts_ms - now_ms_, "=", s.value);
      }
      out.push_back(line);
    }
    return out;
  }
  HttpReply Write(const std::vector<WriteSeries>& series, Headers headers = {}) {
    return RemoteWrite(address_, MakeWriteRequest(series), std::move(headers));
  }

  // Times in the tests are offsets from this (whole seconds, so that they read well).
  const int64_t now_ms_ = NowNanos() / kNanosPerSecond * 1000;
};

TEST_F(RemoteWriteTest, AValidWriteIsStoredAndAnswered204) {
  Start();
  HttpReply reply =
      Write({{{{"__name__", "rw_up"}, {"job", "a"}}, {{now_ms_ - 1000, 1}, {now_ms_, 0}}},
             {{{"job", "b"}, {"__name__", "rw_up"}}, {{now_ms_, 1}}}});
  EXPECT_EQ(reply.status, 204u) << reply.body;
  EXPECT_THAT(Stored("rw_up"), ElementsAre(R"({__name__="rw_up", job="a"}: -1000=1 0=0)",
                                           R"({__name__="rw_up", job="b"}: 0=1)"));
  EXPECT_THAT(HttpCall(address_, "GET", "/metrics").body,
              HasSubstr(R"(vigie_ingested_samples_total{protocol="remote_write"} 3)"));
}

TEST_F(RemoteWriteTest, AnInvalidSeriesRefusesTheWholeRequestAndStoresNothing) {
  Start();
  HttpReply reply = Write({{{{"__name__", "rw_good"}}, {{now_ms_, 1}}},
                           {{{"__name__", "rw_bad"}, {"bad-label", "x"}}, {{now_ms_, 1}}}});
  ExpectJsonError(reply, 400, "bad_data",
                  "1 of 2 series are invalid, so none of the request's 2 samples was stored: "
                  "series 1: ");
  EXPECT_THAT(reply.body, HasSubstr("bad-label"));
  EXPECT_THAT(Stored("rw_good"), IsEmpty());
  std::string metrics = HttpCall(address_, "GET", "/metrics").body;
  EXPECT_THAT(
      metrics,
      HasSubstr(
          R"(vigie_rejected_samples_total{protocol="remote_write",reason="batch_refused"} 1)"));
  EXPECT_THAT(
      metrics,
      HasSubstr(
          R"(vigie_rejected_samples_total{protocol="remote_write",reason="invalid_label_name"} 1)"));
}

TEST_F(RemoteWriteTest, SamplesTheStoreRefusesAreCountedAndTheRestStored) {
  Start();
  ASSERT_EQ(Write({{{{"__name__", "rw_m"}}, {{now_ms_, 1}}}}).status, 204u);
  // 20 minutes older than the newest sample: beyond the 10-minute out-of-order window. The same
  // timestamp with another value: a conflict. The same value again: a duplicate, accepted.
  HttpReply reply =
      Write({{{{"__name__", "rw_m"}},
              {{now_ms_ - 1'200'000, 5}, {now_ms_, 2}, {now_ms_, 1}, {now_ms_ + 1000, 3}}}});
  ExpectJsonError(reply, 400, "bad_data",
                  "2 samples stored, 2 refused (resending them would not help): ");
  EXPECT_THAT(Stored("rw_m"), ElementsAre(R"({__name__="rw_m"}: 0=1 1000=3)"));
}

TEST_F(RemoteWriteTest, MalformedBodiesGet400NamingTheFormat) {
  Start();
  ExpectJsonError(HttpCall(address_, "POST", "/api/v1/write", "not snappy", RemoteWriteHeaders()),
                  400, "bad_data", "remote_write bodies are snappy-compressed protobuf");
  ExpectJsonError(
      HttpCall(address_, "POST", "/api/v1/write", Snappy("\x0a\x05\x0a"), RemoteWriteHeaders()),
      400, "bad_data", "not a valid protobuf prometheus.WriteRequest");
  Headers v2 = RemoteWriteHeaders();
  v2[1].second = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
  ExpectJsonError(HttpCall(address_, "POST", "/api/v1/write",
                           Snappy(MakeWriteRequest({}).SerializeAsString()), v2),
                  415, "bad_data", "send remote_write 1.0");
  HttpReply get = HttpCall(address_, "GET", "/api/v1/write");
  ExpectJsonError(get, 405, "method_not_allowed", "use POST");
}

TEST_F(RemoteWriteTest, BodiesBeyondTheLimitsGet413AndAFullBudget429) {
  budget_ = std::make_unique<server::RequestBudget>(1 << 20);
  Start();
  std::string zeros(2 << 20, '\0');  // Beyond the body limit once decompressed.
  ExpectJsonError(HttpCall(address_, "POST", "/api/v1/write", Snappy(zeros), RemoteWriteHeaders()),
                  413, "too_large", "decompresses to 2097152 bytes");
  server::RequestBudget::Reservation others = budget_->NewReservation();
  ASSERT_TRUE(others.Grow((1 << 20) - 4000));
  // The body fits in what is left, but not what it decompresses to.
  std::string body = Snappy(std::string(64 * 1024, '\0'));
  ASSERT_LT(body.size(), 4000u);
  HttpReply busy = HttpCall(address_, "POST", "/api/v1/write", body, RemoteWriteHeaders());
  ExpectJsonError(busy, 429, "too_many_requests", "--max-inflight-request-bytes");
  EXPECT_EQ(busy.Header("Retry-After"), "1");
}

TEST_F(RemoteWriteTest, NeedsATokenWithTheIngestScope) {
  Start({}, {{"writer", {server::Scope::kIngest}}, {"reader", {server::Scope::kQuery}}});
  std::vector<WriteSeries> series = {{{{"__name__", "rw_auth"}}, {{now_ms_, 1}}}};
  EXPECT_EQ(Write(series).status, 401u);
  EXPECT_EQ(Write(series, {{"Authorization", "Bearer reader"}}).status, 403u);
  EXPECT_EQ(Write(series, {{"Authorization", "Bearer writer"}}).status, 204u);
  EXPECT_EQ(HttpCall(address_, "GET", "/api/v1/metadata", "", {{"Authorization", "Bearer writer"}})
                .status,
            403u);
  EXPECT_EQ(HttpCall(address_, "GET", "/api/v1/metadata", "", {{"Authorization", "Bearer reader"}})
                .status,
            200u);
}

TEST_F(RemoteWriteTest, MetadataSentWithWritesIsServedInPrometheusFormat) {
  Start();
  prometheus::WriteRequest request = MakeWriteRequest({});
  for (auto [name, type, help] :
       {std::tuple{"rw_requests_total", prometheus::MetricMetadata::COUNTER, "Requests."},
        std::tuple{"rw_latency_seconds", prometheus::MetricMetadata::HISTOGRAM, "Latency."}}) {
    prometheus::MetricMetadata* m = request.add_metadata();
    m->set_metric_family_name(name);
    m->set_type(type);
    m->set_help(help);
    m->set_unit("seconds");
  }
  ASSERT_EQ(RemoteWrite(address_, request).status, 204u);
  auto data = [&](const std::string& query) {
    HttpReply reply = HttpCall(address_, "GET", "/api/v1/metadata" + query);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    nlohmann::json body = nlohmann::json::parse(reply.body);
    EXPECT_EQ(body["status"], "success");
    return body["data"];
  };
  EXPECT_EQ(data(""), nlohmann::json::parse(R"({
      "rw_latency_seconds": [{"type": "histogram", "help": "Latency.", "unit": "seconds"}],
      "rw_requests_total": [{"type": "counter", "help": "Requests.", "unit": "seconds"}]})"));
  EXPECT_EQ(data("?limit=1").size(), 1u);
  EXPECT_EQ(data("?limit=0").size(), 0u);
  EXPECT_EQ(data("?metric=rw_requests_total").size(), 1u);
  EXPECT_EQ(data("?metric=nope").size(), 0u);
  ExpectJsonError(HttpCall(address_, "GET", "/api/v1/metadata?limit=x"), 400, "bad_data",
                  "invalid parameter \"limit\"");
}

}  // namespace
}  // namespace vigie::testing
