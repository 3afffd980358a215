// Where a query's CPU goes (docs/logql.md, "Query statistics"), as a user reads it from a real
// vigied: the phases are there, in order, their lines and bytes are those of the log the test
// wrote, and their CPU times add up to no more than the scan's, which is no more than what the
// kernel says vigied spent.
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/http/http_client.h"
#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

// Enough lines for several blocks (1 MiB of log each) and a few CPU milliseconds per phase.
constexpr int kLines = 40000;
constexpr int kStatuses[] = {200, 201, 404, 500, 302, 200, 503, 200};

std::string AppLine(int i) {
  return R"({"ts":"2024-05-01T12:00:00Z","level":"info","status":)" +
         std::to_string(kStatuses[i % 8]) + R"(,"method":"GET","path":"/api/v1/items/)" +
         std::to_string(i) + R"(","latency_ms":)" + std::to_string(i % 97) +
         R"(,"msg":"request served from the cache of the front end"})";
}

bool Failed(int i) { return kStatuses[i % 8] >= 500; }

// vigied's CPU time (user and system) so far, from /proc/<pid>/stat, in seconds.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) start after the last ')'.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 13; ++i) fields >> field;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class ScanCostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::ofstream app(dir_->path() + "/app.log");
    for (int i = 0; i < kLines; ++i) {
      const std::string line = AppLine(i);
      app << line << "\n";
      line_bytes_ += line.size();
      if (Failed(i)) failed_bytes_ += line.size();
    }
    app.close();
    server_ = new Vigied(dir_->path() + "/data");
    server_->Start();
    std::string err;
    ASSERT_EQ(Vigie(*server_, {"push", "--label", "service=app", dir_->path() + "/app.log"},
                    nullptr, &err),
              0)
        << err;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // The Loki API's answer to `query` (over the last hour, which holds the lines just pushed), and
  // the CPU time vigied spent meanwhile.
  static nlohmann::json LokiQuery(const std::string& path, const std::string& query,
                                  double* vigied_cpu) {
    const double before = ProcessCpuSeconds(server_->pid());
    HttpReply reply = HttpCall(server_->http_address(), "GET",
                               path + "?" + QueryString({{"query", query}, {"limit", "20000"}}));
    *vigied_cpu = ProcessCpuSeconds(server_->pid()) - before;
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  }

  static TempDir* dir_;
  static Vigied* server_;
  static uint64_t line_bytes_, failed_bytes_;
};

TempDir* ScanCostTest::dir_ = nullptr;
Vigied* ScanCostTest::server_ = nullptr;
uint64_t ScanCostTest::line_bytes_ = 0;
uint64_t ScanCostTest::failed_bytes_ = 0;

std::vector<std::string> PhaseNames(const nlohmann::json& phases) {
  std::vector<std::string> names;
  for (const nlohmann::json& p : phases) names.push_back(p["name"]);
  return names;
}

const nlohmann::json& Phase(const nlohmann::json& phases, const std::string& name) {
  for (const nlohmann::json& p : phases) {
    if (p["name"] == name) return p;
  }
  static const nlohmann::json none = nlohmann::json::object();
  ADD_FAILURE() << "no phase " << name << " in " << phases.dump();
  return none;
}

// The checks every scan's figures pass: each phase took some CPU time, and all of them together
// no more than the scan, itself no more than vigied spent meanwhile (the kernel reports user and
// system time in clock ticks, each rounded down: three ticks of slack); the stored blocks hold
// the lines the test wrote.
void ExpectConsistent(const nlohmann::json& scan, double vigied_cpu, uint64_t lines,
                      uint64_t line_bytes) {
  const nlohmann::json& phases = scan["phases"];
  double sum = 0;
  for (const nlohmann::json& p : phases) {
    EXPECT_GE(p["cpuTime"].get<double>(), 0) << p.dump();
    sum += p["cpuTime"].get<double>();
  }
  const double total = scan["cpuTime"];
  EXPECT_GT(total, 0);
  EXPECT_LE(sum, total + 1e-9) << scan.dump();
  EXPECT_LE(total, vigied_cpu + 3.0 / sysconf(_SC_CLK_TCK)) << scan.dump();
  // The bookkeeping between phases is small: the phases are nearly all of the scan.
  EXPECT_GE(sum, 0.7 * total) << scan.dump();
  for (const char* timed : {"read", "decompress", "line filter"}) {
    EXPECT_GT(Phase(phases, timed)["cpuTime"].get<double>(), 0) << timed;
  }
  const nlohmann::json& read = Phase(phases, "read");
  const nlohmann::json& decompress = Phase(phases, "decompress");
  EXPECT_EQ(read["linesOut"], lines);
  EXPECT_EQ(decompress["bytesIn"], read["bytesOut"]);
  EXPECT_EQ(decompress["linesOut"], lines);
  // The payload is the lines plus a varint timestamp delta and length each; zstd shrinks it.
  EXPECT_GT(decompress["bytesOut"].get<uint64_t>(), line_bytes);
  EXPECT_LT(read["bytesOut"].get<uint64_t>(), line_bytes / 2);
  const nlohmann::json& filter = Phase(phases, "line filter");
  EXPECT_EQ(filter["linesIn"], lines);
  EXPECT_EQ(filter["bytesIn"], line_bytes);
}

TEST_F(ScanCostTest, LogQueryReportsEachStageWithTheLinesItSaw) {
  double vigied_cpu = 0;
  nlohmann::json body = LokiQuery("/loki/api/v1/query_range",
                                  R"({service="app"} | json | status >= 500)", &vigied_cpu);
  const nlohmann::json& stats = body["data"]["stats"];
  const nlohmann::json& scan = stats["vigie"]["scan"];
  ASSERT_TRUE(scan.is_object()) << stats.dump();
  EXPECT_THAT(PhaseNames(scan["phases"]),
              ::testing::ElementsAre("read", "decompress", "line filter", "| json",
                                     "| status >= 500", "output", "emit"));
  ExpectConsistent(scan, vigied_cpu, kLines, line_bytes_);
  const nlohmann::json& phases = scan["phases"];
  // No line filter: every line reaches the parser, which keeps them all; the label filter keeps
  // the failed requests, which the output keeps too.
  EXPECT_EQ(Phase(phases, "line filter")["linesOut"], kLines);
  const nlohmann::json& json = Phase(phases, "| json");
  EXPECT_EQ(json["linesIn"], kLines);
  EXPECT_EQ(json["bytesIn"], line_bytes_);
  EXPECT_EQ(json["linesOut"], kLines);
  EXPECT_GT(json["cpuTime"].get<double>(), 0);
  const uint64_t failed = kLines / 8 * 2;
  const nlohmann::json& status = Phase(phases, "| status >= 500");
  EXPECT_EQ(status["linesIn"], kLines);
  EXPECT_EQ(status["linesOut"], failed);
  EXPECT_EQ(status["bytesOut"], failed_bytes_);
  EXPECT_EQ(Phase(phases, "output")["linesOut"], failed);
  // Loki's own fields, from the same figures.
  EXPECT_EQ(stats["summary"]["totalPostFilterLines"], failed);
  EXPECT_EQ(stats["querier"]["store"]["chunk"]["compressedBytes"],
            Phase(phases, "read")["bytesOut"]);
  EXPECT_GT(stats["querier"]["store"]["chunksDownloadTime"].get<int64_t>(), 0);
}

TEST_F(ScanCostTest, LineFilterBeforeTheParserIsCountedApart) {
  double vigied_cpu = 0;
  nlohmann::json body = LokiQuery("/loki/api/v1/query_range",
                                  R"({service="app"} |= "\"status\":5" | json)", &vigied_cpu);
  const nlohmann::json& scan = body["data"]["stats"]["vigie"]["scan"];
  ExpectConsistent(scan, vigied_cpu, kLines, line_bytes_);
  const uint64_t failed = kLines / 8 * 2;
  const nlohmann::json& filter = Phase(scan["phases"], "line filter");
  EXPECT_EQ(filter["linesOut"], failed);
  EXPECT_EQ(filter["bytesOut"], failed_bytes_);
  // The parser sees only what the line filter let through.
  const nlohmann::json& json = Phase(scan["phases"], "| json");
  EXPECT_EQ(json["linesIn"], failed);
  EXPECT_EQ(json["bytesIn"], failed_bytes_);
}

TEST_F(ScanCostTest, MetricQueryReportsItsAggregation) {
  double vigied_cpu = 0;
  nlohmann::json body = LokiQuery(
      "/loki/api/v1/query", R"(sum(count_over_time({service="app"} | json | status >= 500 [1d])))",
      &vigied_cpu);
  ASSERT_EQ(body["data"]["result"].size(), 1u) << body.dump();
  EXPECT_EQ(body["data"]["result"][0]["value"][1], std::to_string(kLines / 8 * 2));
  const nlohmann::json& scan = body["data"]["stats"]["vigie"]["scan"];
  EXPECT_THAT(PhaseNames(scan["phases"]),
              ::testing::ElementsAre("read", "decompress", "line filter", "| json",
                                     "| status >= 500", "output", "aggregate"));
  ExpectConsistent(scan, vigied_cpu, kLines, line_bytes_);
}

TEST_F(ScanCostTest, GrepStatsPrintsThePhases) {
  std::string out, err;
  ASSERT_EQ(Vigie(*server_,
                  {"grep", R"({service="app"} | json | status >= 500)", "--limit", "0", "--since",
                   "24h", "--stats"},
                  &out, &err),
            0)
      << err;
  const uint64_t failed = kLines / 8 * 2;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), static_cast<long>(failed));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(vigie: ([0-9.]+) CPU s in the scan)")))
      << err;
  EXPECT_GT(std::stod(m[1]), 0) << err;
  // The stage's row: its CPU seconds and share, lines in and out, MB in and out, MB/s.
  ASSERT_TRUE(std::regex_search(
      err, m,
      std::regex(
          R"(\n  \| status >= 500 +([0-9.]+) +([0-9.]+)% +(\d+) +(\d+) +([0-9.]+) +([0-9.]+) +([0-9]+)\n)")))
      << err;
  EXPECT_EQ(m[3], std::to_string(kLines));
  EXPECT_EQ(m[4], std::to_string(failed));
  for (const char* phase : {"read", "decompress", "line filter", "| json", "output", "emit"}) {
    EXPECT_NE(err.find(std::string("\n  ") + phase + " "), std::string::npos) << phase << err;
  }
}

}  // namespace
}  // namespace vigie::testing
