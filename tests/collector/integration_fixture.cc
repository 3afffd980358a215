#include "tests/collector/integration_fixture.h"

#include <sstream>
#include <thread>

#include "common/time.h"
#include "tests/http/http_client.h"

namespace vigie::collector::testing {

void CollectorIntegrationTest::SetUp() { StartServer({}); }

void CollectorIntegrationTest::StartServer(std::vector<std::string> args) {
  if (server_) server_->Kill9();
  server_ = std::make_unique<vigie::testing::Vigied>(Path("data"), std::move(args));
  server_->Start();
  if (proxy_) {
    proxy_->SetTarget(server_->grpc_address());
  } else {
    proxy_ = std::make_unique<TcpProxy>(server_->grpc_address());
  }
}

void CollectorIntegrationTest::StartCollector(const std::string& config_yaml) {
  collector_ = std::make_unique<CollectorProcess>(dir_.path(), config_yaml, proxy_->address());
  collector_->Start();
}

void CollectorIntegrationTest::RestartServer() {
  server_->Start();
  proxy_->SetTarget(server_->grpc_address());
}

std::vector<QueriedEntry> CollectorIntegrationTest::Stored(const std::string& query) {
  int64_t now = NowNanos();  // vigied bounds the range of a query (31 days by default).
  auto entries = GrepAll(server_->grpc_address(), query, now - 86400 * kNanosPerSecond,
                         now + 3600 * kNanosPerSecond, query_token_, query_ca_);
  EXPECT_TRUE(entries.ok()) << entries.status();
  return entries.ok() ? *std::move(entries) : std::vector<QueriedEntry>();
}

bool CollectorIntegrationTest::WaitStored(const std::string& query, size_t n,
                                          std::chrono::milliseconds timeout) {
  return WaitFor([&] { return Stored(query).size() >= n; }, timeout);
}

std::string CollectorIntegrationTest::Diagnose(const std::string& query) {
  std::string out = "stored for " + query + ": " + std::to_string(Stored(query).size()) + "\n";
  std::istringstream metrics(HttpGet(collector_->metrics_address(), "/metrics"));
  for (std::string line; std::getline(metrics, line);) {
    if (!line.starts_with("#") && !line.ends_with(" 0")) out += line + "\n";
  }
  return out + collector_->Log();
}

nlohmann::json CollectorIntegrationTest::PromQuery(const std::string& promql) {
  std::string body =
      HttpGet(server_->http_address(), "/api/v1/query?query=" + vigie::testing::UrlEncode(promql) +
                                           "&time=" + std::to_string(NowNanos() / 1e9));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || doc.value("status", "") != "success") return nlohmann::json::array();
  return doc["data"]["result"];
}

double CollectorIntegrationTest::PromScalar(const std::string& promql) {
  nlohmann::json result = PromQuery(promql);
  if (!result.is_array() || result.size() != 1) return std::nan("");
  return std::stod(result[0]["value"][1].get<std::string>());
}

void CollectorIntegrationTest::ExpectSequence(const std::vector<QueriedEntry>& entries,
                                              const std::string& prefix, size_t n) {
  std::vector<int> count(n, 0);
  size_t out_of_order = 0, foreign = 0;
  long previous = -1;
  for (const QueriedEntry& e : entries) {
    if (e.line.compare(0, prefix.size(), prefix) != 0) {
      ++foreign;
      continue;
    }
    long i = std::stol(e.line.substr(prefix.size()));
    if (i < 0 || static_cast<size_t>(i) >= n) {
      ++foreign;
      continue;
    }
    ++count[i];
    if (i < previous) ++out_of_order;
    previous = i;
  }
  size_t missing = 0, duplicated = 0;
  long first_missing = -1, first_duplicated = -1;
  for (size_t i = 0; i < n; ++i) {
    if (count[i] == 0 && missing++ == 0) first_missing = static_cast<long>(i);
    if (count[i] > 1 && duplicated++ == 0) first_duplicated = static_cast<long>(i);
  }
  EXPECT_EQ(missing, 0u) << "first missing: " << prefix << first_missing;
  EXPECT_EQ(duplicated, 0u) << "first duplicated: " << prefix << first_duplicated;
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(foreign, 0u);
}

}  // namespace vigie::collector::testing
