// Nothing acknowledged is lost, nothing is stored twice: vigie push sends 3,000,000 lines while
// vigied is killed with SIGKILL at random moments and restarted; then every line is read back.
// The moments are drawn from a seed that every run prints: VIGIE_CRASH_SEED=<seed> replays them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include "tests/integration/cli_util.h"
#include "tests/integration/crash_seed.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::testing {
namespace {

constexpr int kLines = 3'000'000;
constexpr int kKills = 5;

// Reads every entry of `query`, oldest first, in pages that resume after the last time seen
// (vigie push stamps lines with strictly increasing times).
std::vector<std::string> ReadAll(const std::string& address, const std::string& query) {
  auto stub = v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::vector<std::string> lines;
  int64_t start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(1))
                      .count();
  while (true) {
    v1::GrepRequest request;
    request.set_query(query);
    request.set_start_ns(start);
    request.set_limit(50000);
    request.set_direction(v1::FORWARD);
    grpc::ClientContext context;
    auto reader = stub->Grep(&context, request);
    v1::GrepResponse response;
    size_t page = 0;
    while (reader->Read(&response)) {
      for (const auto& e : response.entries()) {
        lines.push_back(e.entry().line());
        start = e.entry().ts_ns() + 1;
        ++page;
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    if (page == 0) break;
  }
  return lines;
}

TEST(CrashTest, KillNineDuringPushLosesAndDuplicatesNothing) {
  TempDir dir;
  std::string input = dir.path() + "/input.log";
  {
    std::ofstream out(input);
    for (int i = 0; i < kLines; ++i)
      out << "line " << i << " payload-" << (int64_t{i} * 7919 % 100003) << "\n";
  }
  Vigied server(dir.path() + "/data");
  server.Start();
  ChildProcess push({BinaryPath("cli/vigie"), "--server", server.grpc_address(), "push", "--label",
                     "test=crash", input},
                    dir.path() + "/push.log");
  unsigned seed = CrashTestSeed();
  SCOPED_TRACE("VIGIE_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  int kills = 0;
  while (kills < kKills && push.running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 150));
    if (!push.running()) break;
    server.Kill9();
    ++kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    server.Start();
  }
  EXPECT_EQ(push.Wait(std::chrono::minutes(5)), 0) << push.Log();
  ASSERT_EQ(kills, kKills) << "the push ended before vigied was killed " << kKills
                           << " times: make the input larger";
  // One more crash after the last ack: what was acknowledged must still be there.
  server.Kill9();
  server.Start();

  std::vector<std::string> lines = ReadAll(server.grpc_address(), R"({test="crash"})");
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines)) << push.Log();
  std::ifstream in(input);
  std::string expected;
  for (int i = 0; i < kLines; ++i) {
    std::getline(in, expected);
    ASSERT_EQ(lines[i], expected) << "at line " << i;
  }
  std::cerr << push.Log();
}

}  // namespace
}  // namespace vigie::testing
