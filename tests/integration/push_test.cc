// vigie push against a real vigied, as a user meets it: lines over vigied's limits, vigied down
// or started late, bad labels and tokens, file names that are not UTF-8.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PushTest, ALineOverTheLimitIsNamedItsNeighboursStoredAndMemoryStaysBounded) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  constexpr size_t kHuge = 40 << 20;
  std::string input = WriteFile(dir, "big.log", "before\n" + std::string(kHuge, 'x') + "\nafter\n");
  std::string out, err;
  // GNU time prints the child's peak RSS (kB) on stderr after the child's own messages.
  int rc = RunCommand({"/usr/bin/time", "-f", "peak_rss_kb=%M", BinaryPath("cli/vigie"), "--server",
                       server.grpc_address(), "push", "--label", "service=big", input},
                      &out, "", &err);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_TRUE(Contains(err, "big.log:2: line of 41943040 bytes is above the limit of 262144 bytes"))
      << err;
  EXPECT_TRUE(Contains(err, "pushed 2 lines")) << err;
  size_t at = err.rfind("peak_rss_kb=");
  ASSERT_NE(at, std::string::npos) << err;
  long peak_kb = std::stol(err.substr(at + 12));
  // Bound: the read buffer, the 8 MiB queue and what is in flight, and the libraries; far
  // below the 40 MiB line.
  EXPECT_LT(peak_kb, 48 * 1024) << err;
  ASSERT_EQ(Vigie(server, {"grep", R"({service="big"})", "--forward"}, &out), 0);
  EXPECT_EQ(out, "before\nafter\n");
}

TEST(PushTest, UnreachableVigiedIsSaidAtOnceAndGivenUpAfterTheTimeout) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  server.Stop();  // Nothing listens on its address now.
  std::string input = WriteFile(dir, "in.log", "hi\n");
  std::string err;
  auto start = Clock::now();
  EXPECT_EQ(
      Vigie(server, {"push", "--label", "service=x", "--timeout", "2s"}, nullptr, &err, input), 1);
  auto took = Clock::now() - start;
  EXPECT_TRUE(Contains(err, "vigied at " + server.grpc_address() + " unreachable")) << err;
  EXPECT_TRUE(Contains(err, "retrying for another 2 s")) << err;
  EXPECT_TRUE(Contains(err, "gave up after 2 s")) << err;
  EXPECT_GE(took, std::chrono::seconds(2));
  EXPECT_LT(took, std::chrono::seconds(10));

  // --timeout 0: no retry at all.
  EXPECT_EQ(Vigie(server, {"push", "--label", "service=x", "--timeout", "0"}, nullptr, &err, input),
            1);
  EXPECT_FALSE(Contains(err, "retrying")) << err;
  EXPECT_TRUE(Contains(err, "unreachable")) << err;
}

TEST(PushTest, VigiedStartedWhilePushRetriesGetsEveryLine) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  server.Stop();
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "line " + std::to_string(i) + "\n";
  std::string input = WriteFile(dir, "in.log", expected);
  ChildProcess push({BinaryPath("cli/vigie"), "--server", server.grpc_address(), "push", "--label",
                     "service=late", input},
                    dir.path() + "/push.log");
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!Contains(push.Log(), "unreachable") && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(Contains(push.Log(), "retrying for another")) << push.Log();
  server.Start();
  EXPECT_EQ(push.Wait(), 0) << push.Log();
  EXPECT_TRUE(Contains(push.Log(), "pushed 1000 lines")) << push.Log();
  std::string out;
  ASSERT_EQ(Vigie(server, {"grep", R"({service="late"})", "--forward", "--limit", "0"}, &out), 0);
  EXPECT_EQ(out, expected);
}

TEST(PushTest, BadLabelsAreRefusedBeforeSendingAndNamed) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string input = WriteFile(dir, "in.log", "hi\n");
  struct Case {
    std::string flag, message;
  };
  for (const Case& c : std::vector<Case>{
           {"service=cli\xff", "label service's value \"cli\\xff\" is not valid UTF-8"},
           {"service=", "label service has an empty value"},
           {"service=\"api\"", "is quoted: drop the quotes (--label service=api)"},
           {"__name__=x", "label name \"__name__\" starts with __, which is reserved"},
           {"1x=y", "label name \"1x\" is invalid"},
           {"novalue", "--label takes name=value"},
       }) {
    std::string err;
    auto start = Clock::now();
    EXPECT_EQ(Vigie(server, {"push", "--label", c.flag}, nullptr, &err, input), 2) << c.flag;
    EXPECT_TRUE(Contains(err, c.message)) << c.flag << ": " << err;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5)) << c.flag;
  }
  std::string out;
  ASSERT_EQ(Vigie(server, {"labels"}, &out), 0);
  EXPECT_EQ(out, "");  // Nothing was sent.
}

TEST(PushTest, FileLabelIsAddedValidUnlessGiven) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string latin1 = WriteFile(dir, "caf\xe9.log", "from latin-1\n");
  std::string err, out;
  ASSERT_EQ(Vigie(server, {"push", "--label", "service=names", latin1}, nullptr, &err), 0) << err;
  ASSERT_EQ(Vigie(server, {"labels", "file"}, &out), 0);
  EXPECT_EQ(out, dir.path() + "/caf\xef\xbf\xbd.log\n");  // U+FFFD for the latin-1 byte.

  std::string other = WriteFile(dir, "other.log", "explicit\n");
  ASSERT_EQ(Vigie(server, {"push", "--label", "service=names", "--label", "file=x", other}, nullptr,
                  &err),
            0)
      << err;
  ASSERT_EQ(Vigie(server, {"grep", R"({file="x"})"}, &out), 0);
  EXPECT_EQ(out, "explicit\n");
}

TEST(PushTest, RefusedTokenFailsAtOnce) {
  TempDir dir;
  std::string tokens = WriteFile(dir, "tokens", "s3cret ingest,query\n");
  Vigied server(dir.path() + "/data", {"--token-file", tokens});
  server.Start();
  std::string input = WriteFile(dir, "in.log", "hi\n");
  std::string err;
  auto start = Clock::now();
  EXPECT_EQ(Vigie(server, {"--token", "wrong", "push", "--label", "a=b"}, nullptr, &err, input), 1);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(Contains(err, "unknown bearer token")) << err;
  EXPECT_TRUE(Contains(err, "nothing was sent")) << err;
  EXPECT_FALSE(Contains(err, "retrying")) << err;
}

TEST(PushTest, HelpSaysWhichLabelsAreAddedAndWhatFailureDoes) {
  std::string out;
  ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), "push", "--help"}, &out), 0);
  for (const char* part : {"--timeout", "=30s", "file=<its path as given>",
                           "--label file=", "--max-line-bytes", "Exit status"}) {
    EXPECT_TRUE(Contains(out, part)) << part << "\n" << out;
  }
}

}  // namespace
}  // namespace vigie::testing
