// Live tail, retention, authentication and partial batches, each against a real vigied.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/time.h"
#include "tests/integration/cli_util.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::testing {
namespace {

using Clock = std::chrono::steady_clock;

TEST(TailTest, SeesALinePushedAfterItStartedWithinOneSecond) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string log = dir.path() + "/tail.out";
  ChildProcess tail({BinaryPath("cli/vigie"), "--server", server.grpc_address(), "tail",
                     R"({host="web1"} |~ "(?i)error")"},
                    log);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // Let it subscribe.
  std::string input = WriteFile(dir, "in.log", "all good\nERROR: disk full on /dev/sda1\n");
  auto pushed = Clock::now();
  ASSERT_EQ(Vigie(server, {"push", "--label", "host=web1"}, nullptr, nullptr, input), 0);
  while (Clock::now() - pushed < std::chrono::seconds(1) &&
         tail.Log().find("disk full") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(tail.Log(), "ERROR: disk full on /dev/sda1\n");
  tail.Signal(SIGINT);
  EXPECT_EQ(tail.Wait(), 0);
}

TEST(RetentionTest, RestartWithRetentionDropsTheOldPartition) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  auto old_day = std::chrono::system_clock::now() - std::chrono::hours(24 * 40);
  time_t old_t = std::chrono::system_clock::to_time_t(old_day);
  char stamp[64];
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&old_t));
  std::string input = WriteFile(dir, "old.log", std::string(stamp) + " an old line\n");
  std::string from = std::to_string(old_t - 60), to = std::to_string(old_t + 60);
  {
    Vigied server(data, {"--retention", "0"});
    server.Start();
    ASSERT_EQ(Vigie(server, {"push", "--label", "app=old", "--time-format", "rfc3339"}, nullptr,
                    nullptr, input),
              0);
    ASSERT_EQ(Vigie(server, {"push", "--label", "app=new"}, nullptr, nullptr, input), 0);
    std::string out;
    ASSERT_EQ(Vigie(server, {"grep", R"({app="old"})", "--from", from, "--to", to}, &out), 0);
    EXPECT_EQ(out, std::string(stamp) + " an old line\n");
    server.Stop();
  }
  Vigied server(data, {"--retention", "30d"});
  server.Start();
  std::string out, err;
  // Retention runs at start-up; give it a moment.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Vigie(server, {"labels", "app"}, &out), 0);
    if (out == "new\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(out, "new\n");
  ASSERT_EQ(Vigie(server, {"grep", R"({app="old"})", "--from", from, "--to", to}, &out, &err), 0)
      << err;
  EXPECT_EQ(out, "");
  ASSERT_EQ(Vigie(server, {"grep", R"({app="new"})"}, &out), 0);
  EXPECT_EQ(out, std::string(stamp) + " an old line\n");
}

TEST(AuthTest, BadOrMissingTokenIsRefused) {
  TempDir dir;
  std::string tokens = WriteFile(dir, "tokens", "s3cret ingest,query\nreader query\n");
  Vigied server(dir.path() + "/data", {"--token-file", tokens});
  server.Start();
  std::string input = WriteFile(dir, "in.log", "hello\n");
  std::string err;
  EXPECT_EQ(Vigie(server, {"push", "--label", "a=b"}, nullptr, &err, input), 1);
  EXPECT_NE(err.find("missing bearer token"), std::string::npos) << err;
  EXPECT_EQ(Vigie(server, {"--token", "wrong", "push", "--label", "a=b"}, nullptr, &err, input), 1);
  EXPECT_NE(err.find("unknown bearer token"), std::string::npos) << err;
  EXPECT_EQ(Vigie(server, {"--token", "reader", "push", "--label", "a=b"}, nullptr, &err, input),
            1);
  EXPECT_NE(err.find("lacks the \"ingest\" scope"), std::string::npos) << err;
  EXPECT_EQ(Vigie(server, {"--token", "s3cret", "push", "--label", "a=b"}, nullptr, &err, input), 0)
      << err;
  std::string out;
  EXPECT_EQ(Vigie(server, {"grep", "{a=\"b\"}"}, &out, &err), 1);
  EXPECT_EQ(Vigie(server, {"--token", "reader", "grep", "{a=\"b\"}"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "hello\n");
}

TEST(ExposureTest, NonLoopbackWithoutTokensRefusesToStart) {
  TempDir dir;
  std::string out, err;
  int rc = RunCommand({BinaryPath("server/vigied"), "--data-dir", dir.path() + "/d",
                       "--grpc-listen", "0.0.0.0:0", "--http-listen", "127.0.0.1:0"},
                      &out, "", &err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("--insecure"), std::string::npos) << err;
}

// One Ingest.Push stream to a vigied started with `flags`.
struct PushSession {
  explicit PushSession(std::vector<std::string> flags)
      : server(dir.path() + "/data", std::move(flags)) {
    server.Start();
    stub = v1::Ingest::NewStub(
        grpc::CreateChannel(server.grpc_address(), grpc::InsecureChannelCredentials()));
    stream = stub->Push(&context);
  }
  TempDir dir;
  Vigied server;
  std::unique_ptr<v1::Ingest::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream;
};

// Adds a stream with `labels` to `request`, one entry per line, stamped *ts, *ts + 1, ...
void AddStream(v1::PushRequest* request, std::vector<std::pair<std::string, std::string>> labels,
               std::vector<std::string> lines, int64_t* ts) {
  v1::Stream* s = request->add_streams();
  for (auto& [n, v] : labels) {
    v1::Label* l = s->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (auto& line : lines) {
    v1::Entry* e = s->add_entries();
    e->set_ts_ns((*ts)++);
    e->set_line(line);
  }
}

TEST(GrpcPushTest, InvalidEntriesAreNamedAndValidOnesKept) {
  PushSession push({"--max-line-bytes", "100"});
  v1::PushRequest request;
  request.set_agent_id("test-agent");
  request.set_seq(1);
  int64_t ts = NowNanos();
  AddStream(&request, {{"job", "ok"}}, {"kept 1", std::string(200, 'x'), "kept 2"}, &ts);
  AddStream(&request, {{"1bad", "x"}}, {"lost with its stream"}, &ts);
  ASSERT_TRUE(push.stream->Write(request));
  v1::PushAck ack;
  ASSERT_TRUE(push.stream->Read(&ack));
  EXPECT_EQ(ack.seq(), 1u);
  EXPECT_EQ(ack.accepted(), 2u);
  EXPECT_EQ(ack.rejected(), 2u);
  EXPECT_NE(ack.reason().find("stream 0 entry 1: line of 200 bytes"), std::string::npos)
      << ack.reason();
  EXPECT_NE(ack.reason().find("\"1bad\""), std::string::npos) << ack.reason();
  // The same batch again is acknowledged as a duplicate and not stored twice.
  ASSERT_TRUE(push.stream->Write(request));
  ASSERT_TRUE(push.stream->Read(&ack));
  EXPECT_TRUE(ack.duplicate());
  push.stream->WritesDone();
  EXPECT_TRUE(push.stream->Finish().ok());
  std::string out;
  ASSERT_EQ(Vigie(push.server, {"grep", R"({job="ok"})", "--forward"}, &out), 0);
  EXPECT_EQ(out, "kept 1\nkept 2\n");
}

// vigied reads and prepares the next batches of a stream while one commits: acks still come in
// the order sent, and a bad batch ends the call with nothing after it stored.
TEST(GrpcPushTest, BatchesSentAheadAreAckedInOrderUntilABadOne) {
  PushSession push({"--max-batch-bytes", "1000"});
  int64_t ts = NowNanos();
  auto batch = [&](uint64_t seq, std::string line) {
    v1::PushRequest request;
    request.set_agent_id("pipelined");
    request.set_seq(seq);
    AddStream(&request, {{"job", "pipe"}}, {std::move(line)}, &ts);
    return request;
  };
  constexpr int kGood = 30;
  std::string expected;
  for (int seq = 1; seq <= kGood; ++seq) {
    ASSERT_TRUE(push.stream->Write(batch(seq, "line " + std::to_string(seq))));
    expected += "line " + std::to_string(seq) + "\n";
  }
  ASSERT_TRUE(push.stream->Write(batch(kGood + 1, std::string(2000, 'x'))));  // Above the limit.
  push.stream->Write(batch(kGood + 2, "never stored"));  // May fail: the call may be over.
  push.stream->WritesDone();
  v1::PushAck ack;
  for (int seq = 1; seq <= kGood; ++seq) {
    ASSERT_TRUE(push.stream->Read(&ack)) << "no ack for batch " << seq;
    EXPECT_EQ(ack.seq(), static_cast<uint64_t>(seq));
    EXPECT_EQ(ack.accepted(), 1u);
  }
  EXPECT_FALSE(push.stream->Read(&ack)) << "unexpected ack for batch " << ack.seq();
  grpc::Status status = push.stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("above the limit of 1000 bytes"), std::string::npos)
      << status.error_message();
  std::string out;
  ASSERT_EQ(Vigie(push.server, {"grep", R"({job="pipe"})", "--forward"}, &out), 0);
  EXPECT_EQ(out, expected);
}

TEST(TlsTest, ClientsNeedTlsWhenACertificateIsGiven) {
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  std::string out, err;
  ASSERT_EQ(RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                       &out, "", &err),
            0)
      << err;
  Vigied server(dir.path() + "/data", {"--tls-cert", cert, "--tls-key", key});
  server.Start();
  std::string input = WriteFile(dir, "in.log", "over tls\n");
  EXPECT_EQ(
      Vigie(server, {"--tls", "--ca-cert", cert, "push", "--label", "a=b"}, nullptr, &err, input),
      0)
      << err;
  ASSERT_EQ(Vigie(server, {"--tls", "--ca-cert", cert, "grep", "{a=\"b\"}"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "over tls\n");
  // The HTTP commands verify the server with the same flags, given after the subcommand too.
  ASSERT_EQ(Vigie(server,
                  {"silence", "add", "alertname=Tls", "--url", server.http_address(), "--tls",
                   "--ca-cert", cert},
                  &out, &err),
            0)
      << err;
  ASSERT_EQ(
      Vigie(server, {"silence", "list", "--url", server.http_address(), "--tls", "--ca-cert", cert},
            &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("alertname=\"Tls\""), std::string::npos) << out;
  // A plaintext client cannot talk to it.
  EXPECT_NE(RunCommand({BinaryPath("cli/vigie"), "--server", server.grpc_address(), "labels"}, &out,
                       "", &err),
            0);
}

TEST(ConfigTest, YamlFileSetsOptionsAndFlagsOverrideIt) {
  TempDir dir;
  std::string config =
      WriteFile(dir, "vigied.yaml", "max_line_bytes: 10\nretention: 0\ndata_dir: /nonexistent\n");
  // --data-dir on the command line wins over the file's data_dir.
  Vigied server(dir.path() + "/data", {"--config", config});
  server.Start();
  std::string input = WriteFile(dir, "in.log", "short\nmuch longer than ten bytes\n");
  std::string err, out;
  EXPECT_EQ(Vigie(server, {"push", "--label", "a=b"}, nullptr, &err, input), 1);
  EXPECT_NE(err.find("above the limit of 10 bytes"), std::string::npos) << err;
  ASSERT_EQ(Vigie(server, {"grep", "{a=\"b\"}"}, &out), 0);
  EXPECT_EQ(out, "short\n");
  // An unknown key is named.
  WriteFile(dir, "bad.yaml", "max_lines_bytes: 10\n");
  EXPECT_EQ(RunCommand({BinaryPath("server/vigied"), "--config", dir.path() + "/bad.yaml"}, &out,
                       "", &err),
            2);
  EXPECT_NE(err.find("max-lines-bytes"), std::string::npos) << err;
}

TEST(VigiedTest, HelpListsFlagsAndStopsCleanly) {
  std::string out;
  EXPECT_EQ(RunCommand({BinaryPath("server/vigied"), "--help"}, &out), 0);
  for (const char* flag : {"--data-dir", "--grpc-listen", "--http-listen", "--retention",
                           "--token-file", "--insecure", "--tls-cert", "--max-line-bytes"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  server.Stop();  // Expects exit code 0 on SIGTERM.
}

}  // namespace
}  // namespace vigie::testing
