// The vigie-collector command line: --help, --check-config, the ready file and /metrics.
#include <fstream>

#include <gtest/gtest.h>

#include "collector/net_address.h"
#include "tests/integration/collector_process.h"
#include "tests/integration/harness.h"

namespace vigie::collector::testing {
namespace {

std::string Binary() { return vigie::testing::BinaryPath("collector/vigie-collector"); }

TEST(CollectorCliTest, HelpListsEveryFlag) {
  std::string out;
  ASSERT_EQ(vigie::testing::RunCommand({Binary(), "--help"}, &out), 0);
  for (const char* flag : {"--config", "--server", "--token", "--state-dir", "--metrics-listen",
                           "--check-config", "--ready-file", "--log-level"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
}

TEST(CollectorCliTest, CheckConfig) {
  vigie::testing::TempDir dir;
  std::ofstream(dir.path() + "/good.yaml") << "inputs:\n  - type: file\n    paths: [/x/*.log]\n";
  std::ofstream(dir.path() + "/bad.yaml") << "inputs:\n  - type: file\n    pathz: [/x/*.log]\n";
  std::string out, err;
  EXPECT_EQ(vigie::testing::RunCommand({Binary(), "--check-config", dir.path() + "/good.yaml"},
                                       &out, "", &err),
            0);
  EXPECT_NE(out.find("OK (1 file inputs, 0 syslog inputs"), std::string::npos) << out;
  EXPECT_EQ(vigie::testing::RunCommand({Binary(), "--check-config", dir.path() + "/bad.yaml"}, &out,
                                       "", &err),
            1);
  EXPECT_NE(err.find("inputs[0].pathz: unknown key"), std::string::npos) << err;
}

TEST(CollectorCliTest, ServesMetricsAndHealth) {
  vigie::testing::TempDir dir;
  CollectorProcess collector(dir.path(), "inputs: []\n", "127.0.0.1:1");
  collector.Start();
  EXPECT_EQ(HttpGet(collector.metrics_address(), "/healthz"), "ok\n");
  std::string metrics = HttpGet(collector.metrics_address(), "/metrics");
  EXPECT_NE(metrics.find("# TYPE vigie_collector_spool_bytes gauge"), std::string::npos);
  EXPECT_EQ(collector.Metric("vigie_collector_connected"), 0);  // Nothing listens on port 1.
  collector.Stop();
}

TEST(CollectorNetAddressTest, ParsesListenAddresses) {
  auto a = ParseListenAddress("udp://127.0.0.1:5514").value();
  EXPECT_EQ(a.scheme, "udp");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5514);
  a = ParseListenAddress("[::1]:9471").value();
  EXPECT_EQ(a.scheme, "");
  EXPECT_EQ(a.host, "::1");
  EXPECT_FALSE(ParseListenAddress("localhost").ok());
  EXPECT_FALSE(ParseListenAddress("tcp://host:99999").ok());
}

}  // namespace
}  // namespace vigie::collector::testing
