// The spool while vigied is away: files wait (they are their own buffer) and lose nothing;
// syslog, which cannot wait, fills the spool until its oldest batches are dropped, counted (log
// entries and metric samples apart) and logged, and exactly the rest arrives.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

using std::chrono::seconds;

class CollectorSpoolIntegrationTest : public CollectorIntegrationTest {
 protected:
  static constexpr const char* kSmallSpool =
      "batch: {max_bytes: 64KiB, max_age: 200ms}\n"
      "shipper: {backoff_max: 500ms}\n"
      "spool: {max_bytes: 1MiB, segment_bytes: 128KiB}\n";
};

TEST_F(CollectorSpoolIntegrationTest, FilesWaitWhileTheSpoolIsFullAndLoseNothing) {
  server_->Stop();
  proxy_->SetTarget("");
  std::filesystem::create_directories(Path("logs"));
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "wait " + std::to_string(i) + " padding padding\n";
  AppendToFile(Path("logs/big.log"), text);  // About 3 MiB: three spools' worth.
  StartCollector(kSmallSpool + FileInputYaml("*.log", "beginning"));
  ASSERT_TRUE(
      WaitFor([&] { return collector_->Metric("vigie_collector_spool_bytes") > 0.85 * (1 << 20); },
              seconds(20)));
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(collector_->Metric("vigie_collector_spool_dropped_batches_total"), 0);
  EXPECT_GT(collector_->Metric("vigie_collector_file_lag_bytes{file=\"" + Path("logs/big.log") +
                               "\",input=\"file-0\"}"),
            1 << 20);  // Held back, not read.
  // A stop while files wait for room must not hang; they resume from the spool's cursors.
  collector_->Stop();
  collector_->Start();
  RestartServer();
  std::string query = "{file=\"" + Path("logs/big.log") + "\"}";
  ASSERT_TRUE(WaitStored(query, 100000, seconds(60))) << Diagnose(query);
  ExpectSequence(Stored(query), "wait ", 100000);
}

TEST_F(CollectorSpoolIntegrationTest, SyslogFillsTheSpoolAndTheOldestIsDroppedVisibly) {
  server_->Stop();
  proxy_->SetTarget("");
  StartCollector(std::string(kSmallSpool) +
                 "inputs:\n  - type: syslog\n    listen: [\"tcp://127.0.0.1:0\"]\n"
                 // Host metrics once, at the start: in the oldest batches, which the flood drops.
                 "  - {type: host, interval: 1h}\n");
  const std::string host_samples =
      "vigie_collector_input_lines_total{input=\"host\",type=\"host\"}";
  ASSERT_TRUE(WaitFor([&] { return collector_->Metric(host_samples) > 0; }, seconds(30)));
  std::string address = collector_->syslog_addresses()[0];
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  constexpr int kMessages = 60000;  // About 4 MiB once spooled.
  std::string stream;
  for (int i = 0; i < kMessages; ++i) {
    stream += "<14>flood: flood " + std::to_string(i) + " padding padding padding padding\n";
  }
  ASSERT_EQ(send(fd, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  close(fd);
  ASSERT_TRUE(WaitFor(
      [&] {
        return collector_->Metric(
                   "vigie_collector_input_lines_total{input=\"syslog-0\","
                   "type=\"syslog\"}") == kMessages;
      },
      seconds(30)));
  std::this_thread::sleep_for(seconds(1));  // The last batch reaches the spool.
  double dropped = collector_->Metric("vigie_collector_spool_dropped_entries_total");
  EXPECT_GT(dropped, 0);
  // Samples are counted apart from entries: the host metrics' were all dropped.
  double produced_samples = collector_->Metric(host_samples);
  EXPECT_GT(produced_samples, 100);
  EXPECT_EQ(collector_->Metric("vigie_collector_spool_dropped_samples_total"), produced_samples);
  EXPECT_NE(collector_->Log().find("spool full"), std::string::npos);
  RestartServer();
  std::string query = "{app=\"flood\"}";
  size_t expected = kMessages - static_cast<size_t>(dropped);
  ASSERT_TRUE(WaitStored(query, expected, seconds(60))) << Diagnose(query);
  std::this_thread::sleep_for(seconds(1));
  std::vector<QueriedEntry> stored = Stored(query);
  ASSERT_EQ(stored.size(), expected);
  // The oldest were dropped: what arrived is the newest, in order, each once.
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i].line.substr(0, stored[i].line.find(" padding")),
              "flood " + std::to_string(static_cast<size_t>(dropped) + i));
  }
  // And no host sample arrived.
  EXPECT_EQ(PromScalar("count({__name__=~\"node_.+\"}) or vector(0)"), 0);
}

}  // namespace
}  // namespace vigie::collector::testing
