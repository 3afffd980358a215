// Base fixture of the collector's integration tests: a real vigied (on port 0, behind a TCP
// proxy so that the collector keeps one address across server restarts), a real
// vigie-collector, and helpers to read back what was stored.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/collector/query_client.h"
#include "tests/collector/tcp_proxy.h"
#include "tests/integration/collector_process.h"
#include "tests/integration/harness.h"

namespace vigie::collector::testing {

class CollectorIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Starts vigied with these flags (SetUp starts it with none).
  void StartServer(std::vector<std::string> args);

  // Writes the collector's configuration and starts it.
  void StartCollector(const std::string& config_yaml);
  // Restarts vigied (after Kill9 or Stop) and points the proxy at its new port.
  void RestartServer();

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  // The YAML of an `inputs:` list with one file input over Path("logs")/`glob`, read from
  // `read_from`, with `options` (more lines of that input, indented four spaces) after.
  std::string FileInputYaml(const std::string& glob, const std::string& read_from,
                            const std::string& options = "") const {
    return "inputs:\n  - type: file\n    paths: [\"" + Path("logs") + "/" + glob +
           "\"]\n    read_from: " + read_from + "\n" + options;
  }
  // Everything stored for `query`, oldest first.
  std::vector<QueriedEntry> Stored(const std::string& query);
  // Waits until `query` has at least `n` entries; false after `timeout`.
  bool WaitStored(const std::string& query, size_t n, std::chrono::milliseconds timeout);
  // What to print when a wait fails: the entries stored, the collector's non-zero metrics and
  // its log.
  std::string Diagnose(const std::string& query);
  // `data.result` of the instant PromQL query `promql` at this time through vigied's Prometheus
  // API; an empty array when the query fails.
  nlohmann::json PromQuery(const std::string& promql);
  // The value of `promql` when it answers exactly one series; NaN otherwise.
  double PromScalar(const std::string& promql);
  // Expects the lines of `entries` to be `prefix` followed by 0..n-1, each once, in order.
  static void ExpectSequence(const std::vector<QueriedEntry>& entries, const std::string& prefix,
                             size_t n);

  vigie::testing::TempDir dir_;
  std::unique_ptr<vigie::testing::Vigied> server_;
  std::unique_ptr<TcpProxy> proxy_;
  std::unique_ptr<CollectorProcess> collector_;
  std::string query_token_;  // Sent by Stored() when vigied requires tokens.
  std::string query_ca_;     // PEM roots: Stored() uses TLS.
};

}  // namespace vigie::collector::testing
