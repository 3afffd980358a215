// vigie alerts: the firing and pending alerts (/api/v1/alerts), their history over a range
// (--history: runs of ALERTS{alertstate="firing"} and the deploys before each), the dead-letter
// notifications (--failed), and a test message to a receiver (test-receiver NAME). These are
// served over HTTP only: --url is vigied's HTTP address (docs/cli.md, "vigie alerts").
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/client.h"
#include "cli/http_client.h"

namespace vigie::cli {

struct AlertsFlags {
  std::string output = "table";  // table or json.
  bool history = false;
  std::string since = "7d";  // --history's range.
  std::string step;          // --history's resolution; empty: the range / 10000, at least 1s.
  bool failed = false;
  std::string receiver;  // test-receiver NAME.
  std::string timeout = "30s";
  HttpOptions http;
};

// `vigie alerts` and its `test-receiver` subcommand, registered on the main app. Not
// thread-safe.
class AlertsCommands {
 public:
  AlertsCommands(CLI::App* app, ClientOptions* client,
                 const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags);

  bool selected() const { return static_cast<bool>(*alerts_cmd_); }
  int Run(const ClientOptions& client);

 private:
  int Active(const ClientOptions& client) const;
  // On stderr: the anomaly rules whose detectors are still learning (they do not fire yet).
  void PrintLearning(const ClientOptions& client) const;
  int History(const ClientOptions& client) const;
  int Failed(const ClientOptions& client) const;
  int TestReceiver(const ClientOptions& client) const;

  CLI::App* alerts_cmd_;
  CLI::App* test_cmd_;
  AlertsFlags flags_;
};

}  // namespace vigie::cli
