// Metric series end to end with a real vigied: gRPC Push series (acks, seq, exactly-once with
// log entries) and Prometheus remote_write, across a restart; then the data directory is opened
// with the store's series API (vigied stopped) and every sample is found exactly once, beside
// vigied's own metrics (job="vigied").
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "store/store.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/harness.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Sends `requests` on one Push stream and returns their acks.
std::vector<v1::PushAck> Push(const Vigied& server, const std::vector<v1::PushRequest>& requests) {
  auto stub = v1::Ingest::NewStub(
      grpc::CreateChannel(server.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->Push(&context);
  std::vector<v1::PushAck> acks;
  for (const v1::PushRequest& request : requests) {
    EXPECT_TRUE(stream->Write(request));
    v1::PushAck ack;
    EXPECT_TRUE(stream->Read(&ack));
    acks.push_back(ack);
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return acks;
}

v1::PushRequest Batch(uint64_t seq, const std::string& metric, std::vector<int64_t> times_ms) {
  v1::PushRequest request;
  request.set_agent_id("agent-1");
  request.set_seq(seq);
  v1::Series* series = request.add_series();
  for (auto [n, v] : {std::pair{"__name__", metric}, std::pair{"host", std::string("h1")}}) {
    v1::Label* l = series->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (int64_t t : times_ms) {
    v1::Sample* s = series->add_samples();
    s->set_ts_ms(t);
    s->set_value(static_cast<double>(seq));
  }
  return request;
}

// Every series of the store at `dir` whose name starts with "it_", as labels → sample times.
std::map<std::string, std::vector<int64_t>> StoredSeries(const std::string& dir, int64_t base_ms) {
  auto store = store::Store::Open({.path = dir});
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  const store::SeriesQuerier& querier = **store;
  store::SeriesMatcher matcher{"__name__", [](std::string_view v) { return v.starts_with("it_"); }};
  std::map<std::string, std::vector<int64_t>> out;
  auto reader = querier.NewSeriesReader();
  for (const store::SeriesRef& ref : querier.SelectSeries(std::span(&matcher, 1), 0, INT64_MAX)) {
    std::vector<store::Sample> samples;
    EXPECT_TRUE(reader->Samples(ref.id, 0, INT64_MAX, &samples).ok());
    for (const store::Sample& s : samples) out[ref.labels.ToString()].push_back(s.ts_ms - base_ms);
  }
  return out;
}

TEST(SeriesIngestTest, PushAndRemoteWriteSamplesAreStoredOnceAcrossARestart) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  const int64_t t = NowNanos() / kNanosPerSecond * 1000;

  v1::PushRequest with_entry = Batch(1, "it_push", {t, t - 2000, t - 1000});
  v1::Stream* stream = with_entry.add_streams();
  v1::Label* label = stream->add_labels();
  label->set_name("job");
  label->set_value("it");
  v1::Entry* entry = stream->add_entries();
  entry->set_ts_ns(t * 1'000'000);
  entry->set_line("beside the samples");
  v1::PushRequest invalid = Batch(2, "it-bad", {t});
  std::vector<v1::PushAck> acks = Push(server, {with_entry, with_entry, invalid});
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].accepted(), 4u);  // Three samples and one entry.
  EXPECT_FALSE(acks[0].duplicate());
  EXPECT_TRUE(acks[1].duplicate());
  EXPECT_EQ(acks[2].rejected(), 1u);
  EXPECT_THAT(acks[2].reason(), HasSubstr(R"(metric name "it-bad" is invalid)"));

  prometheus::WriteRequest write =
      MakeWriteRequest({{{{"__name__", "it_rw"}, {"instance", "a"}}, {{t - 15000, 1}, {t, 2}}},
                        {{{"__name__", "it_rw"}, {"instance", "b"}}, {{t, 3}}}});
  HttpReply reply = RemoteWrite(server.http_address(), write);
  EXPECT_EQ(reply.status, 204u) << reply.body;

  server.Stop();
  server.Start();
  // Both senders resend after the restart: an agent its batch (same seq), Prometheus its write.
  acks = Push(server, {Batch(1, "it_push", {t + 5000}), Batch(3, "it_push", {t + 1000})});
  EXPECT_TRUE(acks[0].duplicate());
  EXPECT_EQ(acks[1].accepted(), 1u);
  EXPECT_EQ(RemoteWrite(server.http_address(), write).status, 204u);
  std::string http_address = server.http_address();
  server.Stop();

  EXPECT_THAT(
      StoredSeries(server.data_dir(), t),
      ElementsAre(Pair(R"({__name__="it_push", host="h1"})", ElementsAre(-2000, -1000, 0, 1000)),
                  Pair(R"({__name__="it_rw", instance="a"})", ElementsAre(-15000, 0)),
                  Pair(R"({__name__="it_rw", instance="b"})", ElementsAre(0))));

  // vigied's own metrics, stored at start and at stop, count what was received.
  auto store = store::Store::Open({.path = server.data_dir()});
  ASSERT_TRUE(store.ok()) << store.status();
  const store::SeriesQuerier& querier = **store;
  std::vector<store::SeriesMatcher> matchers = {
      {"__name__", [](std::string_view v) { return v == "vigie_ingested_samples_total"; },
       "vigie_ingested_samples_total"},
      {"job", [](std::string_view v) { return v == "vigied"; }, "vigied"},
      {"protocol", [](std::string_view v) { return v == "remote_write"; }, "remote_write"}};
  std::vector<store::SeriesRef> own = querier.SelectSeries(matchers, 0, INT64_MAX);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].labels.Get("instance"), http_address);
  std::vector<store::Sample> samples;
  ASSERT_TRUE(querier.NewSeriesReader()->Samples(own[0].id, 0, INT64_MAX, &samples).ok());
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.back().value, 3);  // The last value written at the second stop.
}

}  // namespace
}  // namespace vigie::testing
