// Graphite plaintext into a real vigie-collector and vigied, sent with `nc` (netcat-openbsd) and
// a Python socket, as operators and scripts send it.
#include <cmath>

#include "common/time.h"
#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

using std::chrono::seconds;

class GraphiteIntegrationTest : public CollectorIntegrationTest {
 protected:
  void SetUp() override {
    CollectorIntegrationTest::SetUp();
    StartCollector(
        "batch: {max_age: 100ms}\ninputs:\n  - type: graphite\n"
        "    listen: [\"tcp://127.0.0.1:0\", \"udp://127.0.0.1:0\"]\n");
    tcp_port_ = Port(collector_->graphite_addresses()[0]);
    udp_port_ = Port(collector_->graphite_addresses()[1]);
  }
  static std::string Port(const std::string& address) {
    return address.substr(address.rfind(':') + 1);
  }
  // Runs `sh -c script` with `input` on its standard input.
  void Shell(const std::string& script, const std::string& input) {
    std::string path = Path("stdin");
    vigie::testing::WriteFile(dir_, "stdin", input);
    std::string output;
    ASSERT_EQ(vigie::testing::RunCommand({"/bin/sh", "-c", script}, &output, path), 0) << output;
  }

  std::string tcp_port_, udp_port_;
};

TEST_F(GraphiteIntegrationTest, NetcatOverTcpAndUdp) {
  int64_t now_s = NowNanos() / kNanosPerSecond;
  Shell("nc -q0 127.0.0.1 " + tcp_port_, "queue.algolia.depth 1532 " + std::to_string(now_s - 30) +
                                             "\n" + "queue.algolia.depth 1540 " +
                                             std::to_string(now_s - 20) + "\n" +
                                             "disk.used;dc=par;rack=a1 0.75 -1\n");
  Shell("nc -u -w1 127.0.0.1 " + udp_port_, "udp.sent 12.5 N\n");
  ASSERT_TRUE(WaitFor([&] { return PromScalar("udp_sent") == 12.5; }, seconds(20)))
      << Diagnose("{host=~\".+\"}");
  EXPECT_EQ(PromScalar("queue_algolia_depth"), 1540);
  EXPECT_EQ(PromScalar("count_over_time(queue_algolia_depth[1m])"), 2);
  EXPECT_EQ(PromScalar("disk_used{dc=\"par\", rack=\"a1\"}"), 0.75);
  // The timestamps sent are kept: of the samples 30 s and 20 s old, one is in the last 25 s.
  EXPECT_EQ(PromScalar("count_over_time(queue_algolia_depth[25s])"), 1);
}

TEST_F(GraphiteIntegrationTest, PythonSocketWithMalformedLinesKeepsTheirNeighbours) {
  std::string script =
      "import socket, sys\n"
      "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
      "s.sendall(b'py.good.one 1 -1\\npy.bad notanumber -1\\npy.bad.two 2\\n'\n"
      "          b'py.bad.three 3 yesterday\\npy.good.two 2 -1\\npy.bad.nan nan -1\\n'\n"
      "          b'py.good.last 3 -1')\n"
      "s.close()\n";
  vigie::testing::WriteFile(dir_, "send.py", script);
  std::string output;
  ASSERT_EQ(vigie::testing::RunCommand({"/usr/bin/python3", Path("send.py"), tcp_port_}, &output),
            0)
      << output;
  ASSERT_TRUE(WaitFor([&] { return PromScalar("py_good_last") == 3; }, seconds(20)))
      << Diagnose("{host=~\".+\"}");
  EXPECT_EQ(PromScalar("py_good_one"), 1);
  EXPECT_EQ(PromScalar("py_good_two"), 2);
  EXPECT_TRUE(PromQuery("{__name__=~\"py_bad.*\"}").empty());
  EXPECT_TRUE(WaitFor(
      [&] {
        return collector_->Metric(
                   "vigie_collector_input_malformed_total{input=\"graphite-0\",type="
                   "\"graphite\"}") == 4;
      },
      seconds(5)));
  EXPECT_NE(collector_->Log().find("the value is not a number"), std::string::npos);
}

}  // namespace
}  // namespace vigie::collector::testing
