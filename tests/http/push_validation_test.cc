// What every ingest entry point refuses, seen as a user meets it, against a real vigied and the
// real CLI: labels that are not UTF-8 or are reserved, times outside what retention keeps and a
// query can reach, and per-sender stream budgets (docs/protocols.md, docs/http-api.md).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <snappy.h>

#include <chrono>
#include <thread>

#include "common/time.h"
#include "loki/push.pb.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const Headers kJson = {{"Content-Type", "application/json"}};
const char kBadValue[] = "t4\xff";
const char kBadValueNamed[] = R"(label service: value "t4\xff" is not valid UTF-8 (byte 2))";

std::string Ns(int64_t t) { return std::to_string(t); }

class PushValidationTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    server_ = std::make_unique<Vigied>(dir_.path() + "/data", std::move(flags));
    server_->Start();
  }
  const std::string& address() const { return server_->http_address(); }

  HttpReply PushJson(const std::string& body, Headers headers = kJson) {
    return HttpCall(address(), "POST", "/loki/api/v1/push", body, headers);
  }
  // The "error" of a 400 answer, after checking that it is one.
  std::string RefusalOf(const HttpReply& reply) {
    EXPECT_EQ(reply.status, 400u) << reply.body << reply.error;
    json body = json::parse(reply.body, nullptr, false);
    return body.is_object() && body["error"].is_string() ? body["error"].get<std::string>()
                                                         : reply.body;
  }
  // The lines of query_range's answer for `query` over [start, end), newest first.
  std::vector<std::string> Query(const std::string& query, int64_t start, int64_t end) {
    HttpReply reply =
        HttpCall(address(), "GET",
                 "/loki/api/v1/query_range?" +
                     QueryString({{"query", query}, {"start", Ns(start)}, {"end", Ns(end)}}));
    EXPECT_EQ(reply.status, 200u) << reply.body;
    std::vector<std::string> lines;
    json body = json::parse(reply.body, nullptr, false);
    if (body.is_discarded()) return lines;
    for (const json& stream : body["data"]["result"]) {
      for (const json& value : stream["values"]) lines.push_back(value[1]);
    }
    return lines;
  }
  // Runs the vigie CLI, killed after 10 s (exit 124 then); returns its exit code.
  int Cli(std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), {"/usr/bin/timeout", "10", BinaryPath("cli/vigie"), "--server",
                               server_->grpc_address()});
    return RunCommand(args, out, "", err);
  }

  TempDir dir_;
  std::unique_ptr<Vigied> server_;
};

// A label value that is not UTF-8 poisoned every later query (issue 7, item 1). Now the stream is
// refused, naming the label and the byte; its valid neighbours are stored; and the queries that
// used to fail, print nothing or hang end at once with the valid data.
TEST_F(PushValidationTest, LabelNotUtf8IsRefusedByNameAndQueriesStillEnd) {
  Start();
  int64_t now = NowNanos();

  logproto::PushRequest request;
  for (const char* service : {kBadValue, "proto"}) {
    logproto::StreamAdapter* stream = request.add_streams();
    stream->set_labels(std::string("{service=\"") + service + "\"}");
    logproto::EntryAdapter* entry = stream->add_entries();
    entry->mutable_timestamp()->set_seconds(now / kNanosPerSecond);
    entry->set_line(std::string("from ") + service);
  }
  std::string raw = request.SerializeAsString(), body;
  snappy::Compress(raw.data(), raw.size(), &body);
  std::string error = RefusalOf(HttpCall(address(), "POST", "/loki/api/v1/push", body,
                                         {{"Content-Type", "application/x-protobuf"}}));
  EXPECT_THAT(error,
              HasSubstr(std::string("1 entries stored, 1 refused: stream 0: ") + kBadValueNamed));

  // JSON carries the byte raw, as a Go client building a string from bytes sends it.
  error = RefusalOf(PushJson(R"({"streams": [{"stream": {"service": ")" + std::string(kBadValue) +
                             R"("}, "values": [[")" + Ns(now) + R"(", "bad"]]},
      {"stream": {"service": "json"}, "values": [[")" +
                             Ns(now) + "\", \"from json \xff\"]]}]}"));
  EXPECT_THAT(error, HasSubstr(std::string("stream 0: ") + kBadValueNamed));

  std::string out, err;
  EXPECT_EQ(Cli({"labels", "service"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "json\nproto\n");
  // The refused stream is not there: nothing matches (or the CLI says why it cannot ask).
  int rc = Cli({"grep", std::string("{service=\"") + kBadValue + "\"}"}, &out, &err);
  EXPECT_NE(rc, 124) << "timed out";
  EXPECT_EQ(out, "");
  if (rc != 0) EXPECT_NE(err, "");
  EXPECT_EQ(Cli({"grep", R"({service!=""})", "--limit", "1000", "--forward"}, &out, &err), 0)
      << err;
  // Lines are bytes: the one that is not UTF-8 comes back as it was sent.
  EXPECT_THAT(out, HasSubstr("from proto\n"));
  EXPECT_THAT(out, HasSubstr("from json \xff\n"));
  EXPECT_THAT(out, Not(HasSubstr("bad")));
}

TEST_F(PushValidationTest, ReservedLabelNamesAreRefused) {
  Start();
  std::string error = RefusalOf(PushJson(
      json({{"streams", json::array({json(
                            {{"stream", {{"__name__", "up"}, {"job", "x"}}},
                             {"values", json::array({json::array({Ns(NowNanos()), "line"})})}})})}})
          .dump()));
  EXPECT_THAT(error, HasSubstr("stream 0: label name \"__name__\" is reserved"));
}

// One Ingest.Push call with one batch; returns its ack.
v1::PushAck GrpcPush(const Vigied& server, const v1::PushRequest& request) {
  auto stub = v1::Ingest::NewStub(
      grpc::CreateChannel(server.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Push(&context);
  EXPECT_TRUE(stream->Write(request));
  v1::PushAck ack;
  EXPECT_TRUE(stream->Read(&ack));
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return ack;
}

TEST_F(PushValidationTest, GrpcPushWithALabelNotUtf8GetsAnAckNamingIt) {
  Start();
  v1::PushRequest request;
  request.set_agent_id("agent-\xfe");  // Opaque bytes: fine, and escaped in messages.
  request.set_seq(1);
  int64_t now = NowNanos();
  for (const char* service : {kBadValue, "grpc"}) {
    v1::Stream* stream = request.add_streams();
    v1::Label* label = stream->add_labels();
    label->set_name("service");
    label->set_value(service);
    v1::Entry* entry = stream->add_entries();
    entry->set_ts_ns(now);
    entry->set_line(std::string("from ") + service);
  }
  v1::PushAck ack = GrpcPush(*server_, request);
  EXPECT_EQ(ack.accepted(), 1u);
  EXPECT_EQ(ack.rejected(), 1u);
  EXPECT_THAT(ack.reason(), HasSubstr(std::string("stream 0: ") + kBadValueNamed));
  std::string out, err;
  EXPECT_EQ(Cli({"grep", R"({service!=""})"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "from grpc\n");
}

// Times a user gets wrong (issue 7, item 4): seconds for nanoseconds, too old for retention,
// 1970, a year ahead, 2262. Each is refused and named; exactly the valid ones are stored, and a
// query up to now + the grace reaches all of them.
TEST_F(PushValidationTest, TimesOutsideRetentionAndGraceAreRefusedEachNamed) {
  Start({"--retention", "30d"});
  int64_t now = NowNanos();  // Once: every time below is relative to it.
  int64_t seconds = now / kNanosPerSecond;
  int64_t day = 86400 * kNanosPerSecond;
  // Half a day off whole days: vigied's ages, in whole days from its own later clock, are then
  // known (40d, 364d) whatever the time between the two clocks' readings.
  int64_t old = now - 40 * day - day / 2, ahead = now + 365 * day - day / 2;
  int64_t year_2262 = UtcSeconds(2262, 1, 1, 0, 0, 0) * kNanosPerSecond;
  json values = json::array(
      {json::array({Ns(now - 60 * kNanosPerSecond), "valid 1"}),
       json::array({Ns(seconds), "in seconds"}), json::array({Ns(old), "40 days old"}),
       json::array({Ns(now - kNanosPerSecond), "valid 2"}),
       json::array({Ns(86400 * kNanosPerSecond), "in 1970"}),
       json::array({Ns(ahead), "a year ahead"}), json::array({Ns(year_2262), "in 2262"}),
       json::array({Ns(now + 5 * 60 * kNanosPerSecond), "valid 3, ahead"})});
  std::string error = RefusalOf(PushJson(
      json({{"streams", json::array({json({{"stream", {{"job", "times"}}}, {"values", values}})})}})
          .dump()));
  EXPECT_THAT(error, HasSubstr("3 entries stored, 5 refused"));
  EXPECT_THAT(error, HasSubstr("stream 0 entry 1: timestamp " + Ns(seconds) + " (1970-01-"));
  EXPECT_THAT(error, HasSubstr("it looks like seconds: send Unix epoch nanoseconds (" +
                               Ns(seconds * kNanosPerSecond) + ")"));
  EXPECT_THAT(error,
              HasSubstr("stream 0 entry 2: timestamp " + Ns(old) + " (" + FormatRfc3339Nano(old) +
                        ") is 40d old; at most 30d old "
                        "is accepted (--reject-older-than, which defaults to --retention)"));
  EXPECT_THAT(error, HasSubstr("stream 0 entry 4: timestamp 86400000000000 "
                               "(1970-01-02T00:00:00.000000000Z) is "));
  EXPECT_THAT(error, HasSubstr("stream 0 entry 5: timestamp " + Ns(ahead) + " (" +
                               FormatRfc3339Nano(ahead) +
                               ") is 364d ahead of vigied's clock; at most 10m ahead is "
                               "accepted (--creation-grace)"));
  EXPECT_THAT(error, HasSubstr("stream 0 entry 6: timestamp " + Ns(year_2262) +
                               " (2262-01-01T00:00:00.000000000Z) is "));

  // What was accepted is what a query up to now + grace returns, and nothing else.
  int64_t grace = 10 * 60 * kNanosPerSecond;
  EXPECT_THAT(Query(R"({job="times"})", now - 30 * day, now + grace),
              ::testing::ElementsAre("valid 3, ahead", "valid 2", "valid 1"));
}

// Loki pushes from different tenants have their own stream budgets (issue 7, item 6); a
// sender's budget comes back once its streams have been idle.
TEST_F(PushValidationTest, LokiSendersHaveTheirOwnStreamBudgetReleasedWhenIdle) {
  Start({"--max-streams-per-sender", "3", "--stream-idle-timeout", "1s"});
  auto push = [&](const std::string& org, int stream) {
    json body = {
        {"streams",
         json::array(
             {json({{"stream", {{"job", "s" + std::to_string(stream)}}},
                    {"values", json::array({json::array({Ns(NowNanos()), org + " line"})})}})})}};
    return PushJson(body.dump(), {{"Content-Type", "application/json"}, {"X-Scope-OrgID", org}});
  };
  for (int stream = 0; stream < 3; ++stream) EXPECT_EQ(push("acme", stream).status, 204u);
  std::string error = RefusalOf(push("acme", 3));
  EXPECT_THAT(error, HasSubstr(R"(org "acme" has 3 active streams (--max-streams-per-sender))"));
  EXPECT_THAT(error, HasSubstr("1s (--stream-idle-timeout)"));
  // Another tenant is not affected: same stream names, and a new one.
  for (int stream = 1; stream < 4; ++stream) EXPECT_EQ(push("globex", stream).status, 204u);
  // Once acme's streams are idle, it can write to new ones.
  auto deadline = Clock::now() + std::chrono::seconds(10);
  HttpReply reply;
  while ((reply = push("acme", 3)).status != 204 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(reply.status, 204u) << reply.body;
}

}  // namespace
}  // namespace vigie::testing
