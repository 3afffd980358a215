// No loss, no duplicates through crashes: 500,000 lines are written (with rename rotations)
// while the collector is killed with SIGKILL five times, vigied three times, and vigied is
// stopped for 30 s. Every line must be stored exactly once, in order. The moments of the kills
// are drawn from a seed that every run prints: VIGIE_CRASH_SEED=<seed> replays them.
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/collector/integration_fixture.h"
#include "tests/integration/crash_seed.h"

namespace vigie::collector::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class CollectorCrashTest : public CollectorIntegrationTest {};

TEST_F(CollectorCrashTest, EveryLineOnceThroughKillsAndAnOutage) {
  constexpr size_t kLines = 500000;
  constexpr size_t kRotateEvery = 125000;
  fs::create_directories(Path("logs"));
  std::string path = Path("logs/app.log");
  StartCollector("batch: {max_age: 200ms}\nshipper: {backoff_max: 1s}\n" +
                 FileInputYaml("*.log", "beginning", "    rotate_wait: 1s\n"));

  std::atomic<size_t> written = 0;
  std::thread writer([&] {
    std::ofstream out(path, std::ios::app);
    for (size_t i = 0; i < kLines; ++i) {
      out << "crash " << i << '\n';
      if (i % 100 == 99) {  // About 10,000 lines a second.
        out.flush();
        written = i + 1;
        std::this_thread::sleep_for(milliseconds(10));
      }
      if (i % kRotateEvery == kRotateEvery - 1) {
        out.close();
        fs::rename(path, path + "." + std::to_string(i / kRotateEvery));
        out.open(path, std::ios::app);
      }
    }
    written = kLines;
  });

  unsigned seed = vigie::testing::CrashTestSeed();
  SCOPED_TRACE("VIGIE_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pause = [&](int min_ms, int max_ms) {
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution(min_ms, max_ms)(rng)));
  };
  auto kill_collector = [&] {
    collector_->Kill9();
    pause(0, 500);
    collector_->Start();
  };
  auto kill_server = [&] {
    server_->Kill9();
    proxy_->SetTarget("");
    pause(200, 1000);
    RestartServer();
  };
  pause(1000, 2500);
  kill_collector();  // 1
  pause(1000, 2500);
  kill_server();  // 1
  pause(1000, 2500);
  kill_collector();  // 2
  pause(1000, 2500);
  kill_server();  // 2
  pause(500, 1500);
  // An outage: vigied stopped for 30 s; the collector spools, and is itself killed twice.
  server_->Stop();
  proxy_->SetTarget("");
  pause(5000, 8000);
  kill_collector();  // 3
  pause(8000, 12000);
  kill_collector();  // 4
  std::this_thread::sleep_for(seconds(30) - seconds(20));
  pause(0, 1000);
  RestartServer();
  pause(1000, 3000);
  kill_server();  // 3
  pause(500, 2000);
  kill_collector();  // 5
  writer.join();

  std::string query = "{file=\"" + path + "\"}";
  ASSERT_TRUE(WaitStored(query, kLines, seconds(60))) << Diagnose(query);
  std::this_thread::sleep_for(seconds(1));
  ExpectSequence(Stored(query), "crash ", kLines);
}

// The race behind the one failure of the test above (9,700 lines stored twice): a backlog goes
// out in merged requests (up to 8 MiB, many batches each); the collector is killed just after
// writing one, which vigied still reads and encodes; the restarted collector resends the
// batches one by one and some are stored before the old request is. Before merged requests
// carried first_seq, vigied then stored that request too: 10,000 to 34,000 lines twice in each
// of four runs.
TEST_F(CollectorCrashTest, KilledWhileABacklogGoesOutInMergedRequestsStoresItOnce) {
  constexpr size_t kLines = 400000;
  server_->Stop();
  proxy_->SetTarget("");
  fs::create_directories(Path("logs"));
  std::string text;
  for (size_t i = 0; i < kLines; ++i) text += "backlog " + std::to_string(i) + "\n";
  AppendToFile(Path("logs/app.log"), text);
  StartCollector("batch: {max_bytes: 64KiB, max_age: 200ms}\nshipper: {backoff_max: 500ms}\n" +
                 FileInputYaml("*.log", "beginning"));
  std::string lag =
      "vigie_collector_file_lag_bytes{file=\"" + Path("logs/app.log") + "\",input=\"file-0\"}";
  ASSERT_TRUE(WaitFor([&] { return collector_->Metric(lag) == 0; }, seconds(60)));
  std::this_thread::sleep_for(milliseconds(500));  // The last batch reaches the spool.
  uint64_t before = proxy_->bytes_to_server();
  RestartServer();
  // Most of the first merged request written: kill, and restart at once.
  WaitFor([&] { return proxy_->bytes_to_server() > before + (7 << 20); }, seconds(20));
  collector_->Kill9();
  collector_->Start();
  std::string query = "{file=\"" + Path("logs/app.log") + "\"}";
  ASSERT_TRUE(WaitStored(query, kLines, seconds(60))) << Diagnose(query);
  std::this_thread::sleep_for(seconds(2));  // Time for a late duplicate to be stored.
  ExpectSequence(Stored(query), "backlog ", kLines);
}

}  // namespace
}  // namespace vigie::collector::testing
