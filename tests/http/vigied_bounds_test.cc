// A real vigied under the loads that used to exhaust it: concurrent gzip bombs on the Loki push
// endpoint (memory stays within the bound docs/operations.md states, and is given back), and a
// SIGTERM while small-block merging has work (vigied exits promptly, data intact).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "common/time.h"
#include "nlohmann/json.hpp"
#include "tests/http/http_client.h"
#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using ::testing::AnyOf;

constexpr uint64_t kMiB = 1 << 20;

// A field of /proc/<pid>/status in bytes (VmRSS: resident now, VmHWM: the peak); 0 if absent.
// `size` bytes of a repeated log line, gzip-compressed by the system's gzip, with a trailer that
// declares 1000 bytes: a lie, so that vigied must find the real size while inflating (an honest
// trailer above the limit is refused before inflating, which would test less).
std::string LyingGzipBomb(const std::string& dir, size_t size) {
  std::string line = R"({"streams":[{"stream":{"job":"bomb"},"values":[["1","aaaa)";
  std::string text;
  text.reserve(size);
  text += line;
  text.append(size - text.size(), 'a');
  std::string path = dir + "/bomb", gz;
  std::ofstream(path) << text;
  EXPECT_EQ(RunCommand({"/bin/gzip", "-9", "-c", path}, &gz), 0);
  for (int i = 0; i < 4; ++i) gz[gz.size() - 4 + i] = static_cast<char>(1000u >> (8 * i));
  return gz;
}

// The bound docs/operations.md states for the default --max-inflight-request-bytes (256 MiB):
// peak resident memory stays below 448 MiB however many pushes arrive at once (measured: about
// 240 MiB, from 27 MiB idle; 2.2 GB before the budget).
constexpr uint64_t kPeakRssBound = 448 * kMiB;

// Under AddressSanitizer (the asan preset builds vigied the same way as this test) freed memory
// sits in ASan's quarantine and every allocation carries a redzone: resident sizes say nothing
// about vigied's own bounds there, so only the answers and the service are checked.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMeasuresMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMeasuresMemory = false;
#else
constexpr bool kMeasuresMemory = true;
#endif
#else
constexpr bool kMeasuresMemory = true;
#endif

TEST(VigiedMemoryTest, SixtyFourConcurrentGzipBombsStayWithinTheBudget) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  std::string bomb = LyingGzipBomb(dir.path(), 100 * kMiB);
  ASSERT_LT(bomb.size(), 200 * 1024u);  // About 100 KB that inflate to 100 MiB.
  uint64_t rss_before = ProcStatusBytes(server.pid(), "VmRSS");

  constexpr int kSenders = 64;
  std::vector<HttpReply> replies(kSenders);
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      replies[i] = HttpCall(server.http_address(), "POST", "/loki/api/v1/push", bomb,
                            {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
    });
  }
  for (std::thread& t : senders) t.join();

  int refused_busy = 0;
  for (const HttpReply& reply : replies) {
    // 413: inflates beyond the limits; 429: the budget was full. Never a success, a 5xx or a
    // dropped connection.
    EXPECT_THAT(reply.status, AnyOf(413u, 429u)) << reply.body << reply.error;
    EXPECT_EQ(json::parse(reply.body, nullptr, false)["status"], "error") << reply.body;
    if (reply.status == 429) {
      ++refused_busy;
      EXPECT_EQ(reply.Header("Retry-After"), "1");
    }
  }
  uint64_t peak = ProcStatusBytes(server.pid(), "VmHWM");
  std::cout << "RSS before " << rss_before / kMiB << " MiB, peak " << peak / kMiB << " MiB, "
            << refused_busy << " of " << kSenders << " answered 429\n";
  if (kMeasuresMemory) EXPECT_LT(peak, kPeakRssBound);

  // Still serving: a push and a query.
  json push = {
      {"streams",
       json::array(
           {{{"stream", {{"job", "after"}}},
             {"values", json::array({json::array({std::to_string(NowNanos() - 60 * kNanosPerSecond),
                                                  "after the bombs"})})}}})}};
  HttpReply stored = HttpCall(server.http_address(), "POST", "/loki/api/v1/push", push.dump(),
                              {{"Content-Type", "application/json"}});
  EXPECT_EQ(stored.status, 204u) << stored.body;
  HttpReply query = HttpCall(server.http_address(), "GET",
                             "/loki/api/v1/query_range?query=" + UrlEncode(R"({job="after"})"));
  EXPECT_EQ(query.status, 200u);
  EXPECT_THAT(query.body, ::testing::HasSubstr("after the bombs"));

  // The memory of the burst is given back to the system.
  uint64_t rss = 0;
  for (auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    rss = ProcStatusBytes(server.pid(), "VmRSS");
    if (rss < rss_before + 64 * kMiB) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "RSS after the burst " << rss / kMiB << " MiB\n";
  if (kMeasuresMemory) EXPECT_LT(rss, rss_before + 64 * kMiB);
}

// Pushes `streams` streams of one entry each, `rounds` times: every round writes a small block
// per stream, which the background merge then has to merge.
void PushManySmallStreams(const std::string& address, int streams, int rounds, int64_t t0) {
  constexpr int kPerRequest = 2000;
  for (int round = 0; round < rounds; ++round) {
    for (int first = 0; first < streams; first += kPerRequest) {
      json body = {{"streams", json::array()}};
      for (int i = first; i < std::min(streams, first + kPerRequest); ++i) {
        body["streams"].push_back(
            {{"stream", {{"job", "stop"}, {"i", std::to_string(i)}}},
             {"values", json::array({json::array(
                            {std::to_string(t0 + round), "round " + std::to_string(round)})})}});
      }
      HttpReply reply = HttpCall(address, "POST", "/loki/api/v1/push", body.dump(),
                                 {{"Content-Type", "application/json"}});
      ASSERT_EQ(reply.status, 204u) << reply.body << reply.error;
    }
  }
}

TEST(VigiedStopTest, SigtermWhileMergingTenThousandStreamsExitsWithinThreeSeconds) {
  TempDir dir;
  Vigied server(dir.path() + "/data", {"--max-streams-per-agent", "100000"});
  server.Start();
  auto started = Clock::now();
  constexpr int kStreams = 10000, kRounds = 4;
  int64_t t0 = NowNanos() - 600 * kNanosPerSecond;
  PushManySmallStreams(server.http_address(), kStreams, kRounds, t0);
  // Merging runs at start and then every 10 s: past the first 10 s, it has 40,000 small blocks to
  // merge, which took 7 to 28 s before it could be stopped.
  std::this_thread::sleep_until(started + std::chrono::milliseconds(10'500));

  auto stopping = Clock::now();
  server.Stop();  // SIGTERM; expects exit code 0.
  double seconds = std::chrono::duration<double>(Clock::now() - stopping).count();
  std::cout << "vigied stopped in " << seconds << " s\n";
  EXPECT_LT(seconds, 3.0) << server.Log();

  server.Start();
  HttpReply stored = HttpCall(
      server.http_address(), "GET",
      "/loki/api/v1/query_range?limit=50000&since=1h&query=" + UrlEncode(R"({job="stop"})"));
  ASSERT_EQ(stored.status, 200u) << stored.body.substr(0, 1000);
  size_t entries = 0;
  json body = json::parse(stored.body);
  for (const json& stream : body["data"]["result"]) {
    entries += stream["values"].size();
  }
  EXPECT_EQ(entries, static_cast<size_t>(kStreams * kRounds));
}

}  // namespace
}  // namespace vigie::testing
