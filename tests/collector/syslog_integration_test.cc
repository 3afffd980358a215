// Syslog from real senders: util-linux `logger` over UDP and TCP in RFC 5424 and RFC 3164
// (octet counting and line framing), rsyslog forwarding with omfwd (octet-counted,
// RSYSLOG_SyslogProtocol23Format), and malformed messages kept with parse_error="true".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string HostName() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

class CollectorSyslogTest : public CollectorIntegrationTest {
 protected:
  void SetUp() override {
    CollectorIntegrationTest::SetUp();
    StartCollector(
        "batch: {max_age: 200ms}\n"
        "labels: {env: test}\n"
        "inputs:\n"
        "  - type: syslog\n"
        "    listen: [\"udp://127.0.0.1:0\", \"tcp://127.0.0.1:0\"]\n");
    for (const std::string& address : collector_->syslog_addresses()) {
      std::string port = address.substr(address.rfind(':') + 1);
      (address.starts_with("udp") ? udp_port_ : tcp_port_) = port;
    }
  }

  void Logger(std::vector<std::string> args) {
    ASSERT_TRUE(fs::exists("/usr/bin/logger")) << "needs logger: apt-get install bsdutils";
    std::vector<std::string> argv = {"/usr/bin/logger", "-n", "127.0.0.1"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out, err;
    ASSERT_EQ(vigie::testing::RunCommand(argv, &out, "", &err), 0) << err;
  }

  std::vector<QueriedEntry> WaitQuery(const std::string& query, size_t n) {
    EXPECT_TRUE(WaitStored(query, n, seconds(30))) << Diagnose(query);
    return Stored(query);
  }

  std::string udp_port_, tcp_port_;
};

TEST_F(CollectorSyslogTest, LoggerOverUdpAndTcpInBothFormats) {
  Logger({"-P", udp_port_, "-d", "--rfc5424", "-t", "u5424", "-p", "local3.warning", "--sd-id",
          "zoo@123", "--sd-param", "tiger=\"hungry\"", "udp 5424 message"});
  Logger(
      {"-P", udp_port_, "-d", "--rfc3164", "-t", "u3164", "-p", "user.info", "udp 3164 message"});
  Logger({"-P", tcp_port_, "-T", "--octet-count", "--rfc5424", "-t", "t5424", "-p", "auth.err",
          "tcp 5424 message"});
  Logger({"-P", tcp_port_, "-T", "--rfc3164", "-t", "t3164", "-p", "daemon.notice",
          "tcp 3164 message"});

  auto u5424 = WaitQuery("{app=\"u5424\"}", 1);
  ASSERT_EQ(u5424.size(), 1u);
  EXPECT_EQ(u5424[0].labels, (std::map<std::string, std::string>{{"app", "u5424"},
                                                                 {"env", "test"},
                                                                 {"facility", "local3"},
                                                                 {"host", HostName()},
                                                                 {"severity", "warning"}}));
  // logger adds its own timeQuality element; ours comes with it, verbatim, before the text.
  EXPECT_NE(u5424[0].line.find("[zoo@123 tiger=\"hungry\"]"), std::string::npos) << u5424[0].line;
  EXPECT_TRUE(u5424[0].line.ends_with("] udp 5424 message")) << u5424[0].line;

  auto u3164 = WaitQuery("{app=\"u3164\"}", 1);
  ASSERT_EQ(u3164.size(), 1u);
  EXPECT_EQ(u3164[0].line, "udp 3164 message");
  EXPECT_EQ(u3164[0].labels["facility"], "user");
  EXPECT_EQ(u3164[0].labels["severity"], "info");
  EXPECT_EQ(u3164[0].labels["host"], HostName());

  auto t5424 = WaitQuery("{app=\"t5424\"}", 1);
  ASSERT_EQ(t5424.size(), 1u);
  EXPECT_TRUE(t5424[0].line.ends_with("tcp 5424 message"));
  EXPECT_EQ(t5424[0].labels["severity"], "err");

  auto t3164 = WaitQuery("{app=\"t3164\"}", 1);
  ASSERT_EQ(t3164.size(), 1u);
  EXPECT_EQ(t3164[0].line, "tcp 3164 message");
  EXPECT_EQ(t3164[0].labels["facility"], "daemon");
  // The message's own time: within a minute of now (logger stamps it when it sends).
  for (const auto* e : {&u5424[0], &u3164[0], &t5424[0], &t3164[0]}) {
    EXPECT_LT(std::abs(e->ts_ns / 1'000'000'000 - time(nullptr)), 60);
  }
}

TEST_F(CollectorSyslogTest, ManyMessagesOverOneConnectionEachOnce) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "bulk " + std::to_string(i) + "\n";
  std::ofstream(Path("bulk.txt")) << text;
  Logger({"-P", tcp_port_, "-T", "--octet-count", "--rfc5424=notq", "-t", "bulk5424", "-f",
          Path("bulk.txt")});
  Logger({"-P", tcp_port_, "-T", "--rfc3164", "-t", "bulk3164", "-f", Path("bulk.txt")});
  ExpectSequence(WaitQuery("{app=\"bulk5424\"}", 5000), "bulk ", 5000);
  ExpectSequence(WaitQuery("{app=\"bulk3164\"}", 5000), "bulk ", 5000);
}

TEST_F(CollectorSyslogTest, MalformedMessagesAreKeptWhole) {
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(udp_port_)));
  std::string datagram = "this is not syslog at all";
  sendto(udp, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
         sizeof(addr));
  close(udp);
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(tcp_port_)));
  ASSERT_EQ(connect(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string stream = "<13>1 not-a-time host app - - - broken 5424\n<999>bad pri\n";
  ASSERT_EQ(send(tcp, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  close(tcp);
  auto errors = WaitQuery("{parse_error=\"true\"}", 3);
  std::set<std::string> lines;
  for (const auto& e : errors) lines.insert(e.line);
  EXPECT_EQ(lines,
            (std::set<std::string>{"this is not syslog at all",
                                   "<13>1 not-a-time host app - - - broken 5424", "<999>bad pri"}));
  EXPECT_EQ(errors[0].labels["host"], HostName());  // A local sender: the collector's host.
  EXPECT_EQ(collector_->Metric("vigie_collector_syslog_parse_errors_total{input=\"syslog-0\","
                               "type=\"syslog\"}"),
            3);
}

TEST_F(CollectorSyslogTest, RsyslogForwardsWithOmfwd) {
  ASSERT_TRUE(fs::exists("/usr/sbin/rsyslogd")) << "needs rsyslogd: apt-get install rsyslog";
  fs::create_directories(Path("rsyslog-work"));
  std::string conf = Path("rsyslog.conf");
  std::ofstream(conf) << "global(workDirectory=\"" << Path("rsyslog-work") << "\")\n"
                      << "module(load=\"imfile\" PollingInterval=\"1\")\n"
                      << "input(type=\"imfile\" File=\"" << Path("in.log")
                      << "\" Tag=\"fromfile\")\n"
                      << "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" << tcp_port_
                      << "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" "
                         "template=\"RSYSLOG_SyslogProtocol23Format\")\n";
  std::ofstream(Path("in.log")) << "";
  vigie::testing::ChildProcess rsyslogd(
      {"/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", Path("rsyslogd.pid")}, Path("rsyslogd.log"));
  std::this_thread::sleep_for(seconds(1));  // imfile starts at the end of the file.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "via rsyslog " + std::to_string(i) + "\n";
  AppendToFile(Path("in.log"), text);
  auto entries = WaitQuery("{app=\"fromfile\"}", 2000);
  ExpectSequence(entries, "via rsyslog ", 2000);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0].labels["facility"], "local0");  // imfile's default.
  EXPECT_EQ(entries[0].labels["severity"], "notice");
  EXPECT_EQ(entries[0].labels["host"], HostName());
  rsyslogd.Signal(SIGTERM);
  rsyslogd.Wait();
}

}  // namespace
}  // namespace vigie::collector::testing
