// The Push stream against a real vigied: bearer tokens, gzip compression and TLS.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/collector/integration_fixture.h"

namespace vigie::collector::testing {
namespace {

using std::chrono::seconds;

class CollectorShipperIntegrationTest : public CollectorIntegrationTest {
 protected:
  std::string Config(const std::string& extra) {
    return "batch: {max_age: 200ms}\nshipper: {backoff_max: 500ms}\n" + extra +
           FileInputYaml("*.log", "beginning");
  }
  void WriteLines(const std::string& prefix, size_t n) {
    std::filesystem::create_directories(Path("logs"));
    std::string text;
    for (size_t i = 0; i < n; ++i) text += prefix + std::to_string(i) + "\n";
    AppendToFile(Path("logs/app.log"), text);
  }
  std::string Query() { return "{file=\"" + Path("logs/app.log") + "\"}"; }
};

TEST_F(CollectorShipperIntegrationTest, TokenIsSentAndAWrongOneRefused) {
  std::ofstream(Path("tokens")) << "right-token ingest,query\n";
  StartServer({"--token-file", Path("tokens")});
  query_token_ = "right-token";
  WriteLines("tok ", 1000);
  StartCollector(Config("token: wrong-token\n"));
  ASSERT_TRUE(
      WaitFor([&] { return collector_->Metric("vigie_collector_stream_failures_total") >= 4; },
              seconds(20)));
  EXPECT_TRUE(Stored(Query()).empty());
  // Said once a minute, by status name, with where to set the token.
  std::string log = collector_->Log();
  std::string said = "refused the collector's token (UNAUTHENTICATED: unknown bearer token)";
  size_t first = log.find(said);
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(said, first + 1), std::string::npos) << log;
  EXPECT_NE(log.find("`token:` in the config file"), std::string::npos) << log;
  collector_->Kill9();  // Its batches wait in the spool...
  collector_ = std::make_unique<CollectorProcess>(dir_.path(), Config("token: right-token\n"),
                                                  proxy_->address());
  collector_->Start();  // ...and go out with the right token.
  ASSERT_TRUE(WaitStored(Query(), 1000, seconds(30))) << Diagnose(Query());
  ExpectSequence(Stored(Query()), "tok ", 1000);
}

TEST_F(CollectorShipperIntegrationTest, GzipShrinksWhatGoesOnTheWire) {
  WriteLines("a fairly repetitive log line, as most log lines are, number ", 20000);
  StartCollector(Config("compression: gzip\n"));
  ASSERT_TRUE(WaitStored(Query(), 20000, seconds(30))) << Diagnose(Query());
  uint64_t raw = std::filesystem::file_size(Path("logs/app.log"));
  EXPECT_LT(proxy_->bytes_to_server(), raw / 4) << "raw " << raw;
}

TEST_F(CollectorShipperIntegrationTest, Tls) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/openssl")) << "needs apt-get install openssl";
  std::string out, err;
  ASSERT_EQ(vigie::testing::RunCommand(
                {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                 Path("key.pem"), "-out", Path("cert.pem")},
                &out, "", &err),
            0)
      << err;
  StartServer({"--tls-cert", Path("cert.pem"), "--tls-key", Path("key.pem")});
  std::stringstream ca;
  ca << std::ifstream(Path("cert.pem")).rdbuf();
  query_ca_ = ca.str();
  WriteLines("tls ", 1000);
  StartCollector(Config("tls: {ca_file: " + Path("cert.pem") + "}\n"));
  ASSERT_TRUE(WaitStored(Query(), 1000, seconds(30))) << Diagnose(Query());
  ExpectSequence(Stored(Query()), "tls ", 1000);
}

}  // namespace
}  // namespace vigie::collector::testing
