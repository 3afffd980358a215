// StatsD into a real vigie-collector and vigied, from real client libraries (npm hot-shots and
// node-statsd), compared with what Etsy's statsd daemon (npm statsd 0.9) computes for the very
// same packets; malformed lines; TCP; and kill -9 during flushes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

using std::chrono::seconds;

std::string NpmDir() { return vigie::testing::TestDataPath("../npm/statsd"); }

// A UDP port that was free a moment ago (for Etsy's statsd, which needs a number).
int FreeUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// "udp://127.0.0.1:40123" -> 40123.
int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

// Sends `payload` as one datagram, or over one TCP connection, to "udp://host:port" or "tcp://...".
void Send(const std::string& address, const std::string& payload) {
  bool udp = address.starts_with("udp://");
  int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<uint16_t>(PortOf(address)));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  ASSERT_EQ(send(fd, payload.data(), payload.size(), 0), static_cast<ssize_t>(payload.size()));
  close(fd);
}

class StatsdIntegrationTest : public CollectorIntegrationTest {
 protected:
  std::string StatsdConfig(const std::string& listen, const std::string& flush) {
    return "batch: {max_age: 100ms}\ninputs:\n  - type: statsd\n    listen: [\"" + listen +
           "\"]\n    flush: " + flush + "\n    percentiles: [50, 90, 99]\n";
  }
  double Malformed() {
    return collector_->Metric(
        "vigie_collector_input_malformed_total{input=\"statsd-0\",type=\"statsd\"}");
  }
};

// Etsy's statsd with a backend that writes each flush as a JSON line; it flushes when stopped.
class EtsyStatsd {
 public:
  EtsyStatsd(const std::string& dir, int port) : flushes_(dir + "/etsy-flushes.json") {
    std::ofstream(dir + "/etsy-config.js")
        << "{address: \"127.0.0.1\", port: " << port << ", mgmt_address: \"127.0.0.1\", "
        << "mgmt_port: " << FreeUdpPort() << ", flushInterval: 3600000, "
        << "percentThreshold: [50, 90, 99], backends: [\"" << NpmDir() << "/json_backend.js\"], "
        << "jsonBackend: {file: \"" << flushes_ << "\"}}\n";
    process_ = std::make_unique<vigie::testing::ChildProcess>(
        std::vector<std::string>{"/usr/bin/node", NpmDir() + "/node_modules/statsd/stats.js",
                                 dir + "/etsy-config.js"},
        dir + "/etsy.log");
    EXPECT_TRUE(WaitFor([&] { return process_->Log().find("server is up") != std::string::npos; },
                        seconds(20)))
        << process_->Log();
  }
  // Stops the daemon (its last flush) and returns that flush.
  nlohmann::json StopAndFlush() {
    process_->Signal(SIGTERM);
    process_->Wait();
    std::ifstream in(flushes_);
    std::string line, last;
    while (std::getline(in, line)) last = line;
    nlohmann::json flush = nlohmann::json::parse(last, nullptr, false);
    EXPECT_FALSE(flush.is_discarded()) << process_->Log();
    return flush;
  }

 private:
  std::string flushes_;
  std::unique_ptr<vigie::testing::ChildProcess> process_;
};

// Etsy's key "hs.http.requests;route=login;code=200" as a PromQL selector of `suffix`:
// hs_http_requests_total{code="200",route="login"}.
std::string Selector(const std::string& key, const std::string& suffix,
                     const std::string& extra = "") {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, ';');) parts.push_back(part);
  std::string name;
  for (char c : parts[0]) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  std::set<std::string> matchers;
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    matchers.insert(parts[i].substr(0, eq) + "=\"" + parts[i].substr(eq + 1) + "\"");
  }
  if (!extra.empty()) matchers.insert(extra);
  std::string out = name + suffix + "{";
  for (const std::string& m : matchers) out += (out.ends_with("{") ? "" : ",") + m;
  return out + "}";
}

// Etsy's keys of one metric with the same tags in another order are one series in vigie.
std::string SortedTags(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, ';');) parts.push_back(part);
  std::sort(parts.begin() + 1, parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ";") + p;
  return out;
}

TEST_F(StatsdIntegrationTest, ClientLibrariesStoreWhatEtsysStatsdComputes) {
  int etsy_port = FreeUdpPort();
  EtsyStatsd etsy(dir_.path(), etsy_port);
  // One flush per daemon, when each stops: both see all the packets in one flush.
  StartCollector(StatsdConfig("udp://127.0.0.1:0", "1h"));
  std::string output;
  ASSERT_EQ(vigie::testing::RunCommand({"/usr/bin/node", NpmDir() + "/send.js", "udp",
                                        std::to_string(PortOf(collector_->statsd_addresses()[0])),
                                        std::to_string(etsy_port)},
                                       &output),
            0)
      << output;
  nlohmann::json etsy_flush = etsy.StopAndFlush();
  collector_->Stop();  // Its last flush, shipped before it exits.

  // Counters: one flush, so vigie's total since the start is Etsy's count of the flush.
  std::map<std::string, double> counters;
  for (auto& [key, value] : etsy_flush["counters"].items()) {
    if (!key.starts_with("statsd.")) counters[SortedTags(key)] += value.get<double>();
  }
  ASSERT_GE(counters.size(), 6u) << etsy_flush.dump();
  EXPECT_EQ(etsy_flush["counters"]["statsd.bad_lines_seen"], 0);
  ASSERT_TRUE(counters.contains("hs.logins.sampled"));
  ASSERT_TRUE(WaitFor([&] { return !std::isnan(PromScalar("hs_logins_total")); }, seconds(20)))
      << Diagnose("{host=~\".+\"}");
  for (const auto& [key, count] : counters) {
    EXPECT_DOUBLE_EQ(PromScalar(Selector(key, "_total")), count) << key;
  }
  // Gauges, with their changes applied.
  size_t gauges = 0;
  for (auto& [key, value] : etsy_flush["gauges"].items()) {
    if (key.starts_with("statsd.")) continue;
    ++gauges;
    EXPECT_DOUBLE_EQ(PromScalar(Selector(key, "")), value.get<double>()) << key;
  }
  EXPECT_EQ(gauges, 3u) << etsy_flush.dump();  // queue.depth of each client, hs.temperature.
  EXPECT_EQ(PromScalar("hs_queue_depth"), 75);
  // Timers: Etsy's upper_<pct> are the quantiles, in seconds; count and sum.
  size_t timers = 0;
  for (auto& [key, data] : etsy_flush["timer_data"].items()) {
    ++timers;
    for (auto [pct, quantile] : {std::pair{"50", "0.5"}, {"90", "0.9"}, {"99", "0.99"}}) {
      EXPECT_NEAR(PromScalar(Selector(key, "_seconds", StrCat("quantile=\"", quantile, "\""))),
                  data[StrCat("upper_", pct)].get<double>() / 1000, 1e-12)
          << key << " upper_" << pct;
    }
    EXPECT_DOUBLE_EQ(PromScalar(Selector(key, "_seconds_count")), data["count"].get<double>())
        << key;
    EXPECT_NEAR(PromScalar(Selector(key, "_seconds_sum")), data["sum"].get<double>() / 1000, 1e-9)
        << key;
  }
  EXPECT_EQ(timers, 4u) << etsy_flush.dump();  // db.query and single, of each client.
  // Sets: the distinct values of the flush.
  for (auto& [key, distinct] : etsy_flush["sets"].items()) {
    EXPECT_EQ(PromScalar(Selector(key, "")), distinct.get<double>()) << key;
  }
  EXPECT_EQ(PromScalar("ns_users"), 7);

  // Metadata of the flush answers /api/v1/metadata.
  nlohmann::json metadata = nlohmann::json::parse(
      HttpGet(server_->http_address(), "/api/v1/metadata?metric=hs_db_query_seconds"), nullptr,
      false);
  ASSERT_FALSE(metadata.is_discarded());
  EXPECT_EQ(metadata["data"]["hs_db_query_seconds"][0]["type"], "summary") << metadata.dump();
}

TEST_F(StatsdIntegrationTest, TcpFromHotShots) {
  StartCollector(StatsdConfig("tcp://127.0.0.1:0", "200ms"));
  std::string output;
  ASSERT_EQ(vigie::testing::RunCommand({"/usr/bin/node", NpmDir() + "/send.js", "tcp",
                                        std::to_string(PortOf(collector_->statsd_addresses()[0]))},
                                       &output),
            0)
      << output;
  ASSERT_TRUE(WaitFor([&] { return PromScalar("tcp_latency_seconds_count") == 2; }, seconds(20)))
      << Diagnose("{host=~\".+\"}");
  EXPECT_EQ(PromScalar("tcp_orders_total"), 7);
  EXPECT_EQ(PromScalar("tcp_stock"), 42);
  EXPECT_DOUBLE_EQ(PromScalar("tcp_latency_seconds_sum"), 0.2);
  // Of 80 and 120 ms, upper_90 (round(0.9 * 2) = 2 values) is 120 ms, upper_50 80 ms.
  EXPECT_DOUBLE_EQ(PromScalar("tcp_latency_seconds{quantile=\"0.9\"}"), 0.12);
  EXPECT_DOUBLE_EQ(PromScalar("tcp_latency_seconds{quantile=\"0.5\"}"), 0.08);
}

TEST_F(StatsdIntegrationTest, MalformedLinesAreCountedAndTheirNeighboursKept) {
  StartCollector(
      "batch: {max_age: 100ms}\ninputs:\n  - type: statsd\n"
      "    listen: [\"udp://127.0.0.1:0\", \"tcp://127.0.0.1:0\"]\n    flush: 200ms\n");
  Send(collector_->statsd_addresses()[0],
       "good.one:1|c\nno value here\ngood.two:2|c|@x\ngood.three:3|g\nbad.timer:-1|ms\n"
       "good.multi:4|c:oops|c\n");
  Send(collector_->statsd_addresses()[1], "good.tcp:5|c\n:1|c\ngood.tcp:6|c\ngood.last:7|g");
  ASSERT_TRUE(WaitFor([&] { return PromScalar("good_last") == 7; }, seconds(20)))
      << Diagnose("{host=~\".+\"}");
  EXPECT_EQ(PromScalar("good_one_total"), 1);
  EXPECT_EQ(PromScalar("good_three"), 3);
  EXPECT_EQ(PromScalar("good_multi_total"), 4);
  EXPECT_EQ(PromScalar("good_tcp_total"), 11);
  EXPECT_TRUE(PromQuery("good_two_total").empty());
  EXPECT_TRUE(PromQuery("bad_timer_seconds_count").empty());
  EXPECT_TRUE(WaitFor([&] { return Malformed() == 5; }, seconds(5))) << Malformed();
  EXPECT_NE(collector_->Log().find("malformed values skipped"), std::string::npos);
}

// kill -9 while flushes of 2,000 series are being made and shipped, then a restart: every flush
// vigied has is whole (each of its timestamps has all the series), none stored twice.
TEST_F(StatsdIntegrationTest, Kill9DuringFlushesStoresEachFlushWholeOrNotAtAll) {
  constexpr int kSeries = 2000;
  std::string config =
      "batch: {max_age: 50ms, max_samples: 500}\n" + StatsdConfig("udp://127.0.0.1:0", "100ms");
  // One datagram with every series: a flush has all of them or none.
  std::string packet;
  for (int i = 0; i < kSeries; ++i) packet += "kill.c" + std::to_string(i) + ":1|c\n";
  for (int round = 0; round < 3; ++round) {
    StartCollector(config);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(700 + 150 * round);
    while (std::chrono::steady_clock::now() < until) {
      Send(collector_->statsd_addresses()[0], packet);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    collector_->Kill9();
  }
  StartCollector(config);  // Resends what the spool holds.
  ASSERT_TRUE(WaitFor([&] { return collector_->Metric("vigie_collector_spool_batches") == 0; },
                      seconds(30)));
  collector_->Stop();

  // Every sample of every series, by timestamp.
  nlohmann::json result = PromQuery("{__name__=~\"kill_c.*\"}[10m]");
  ASSERT_EQ(result.size(), static_cast<size_t>(kSeries)) << result.dump().substr(0, 500);
  std::map<std::string, int> series_at;  // Timestamp -> series with a sample then.
  for (const auto& series : result) {
    std::set<std::string> seen;
    for (const auto& point : series["values"]) {
      std::string ts = point[0].dump();
      EXPECT_TRUE(seen.insert(ts).second) << "twice at " << ts;
      ++series_at[ts];
    }
  }
  ASSERT_GE(series_at.size(), 4u);
  for (const auto& [ts, n] : series_at) EXPECT_EQ(n, kSeries) << "flush at " << ts << " is partial";
}

}  // namespace
}  // namespace vigie::collector::testing
