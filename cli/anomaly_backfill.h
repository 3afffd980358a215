// vigie anomaly backfill RULE: asks vigied (POST /api/v1/anomaly/backfill) to learn an anomaly
// rule's detectors from the stored history of its expression at once, so that a new rule does
// not spend days learning (docs/alerts.md, "Anomaly rules"; docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/client.h"
#include "cli/http_client.h"

namespace vigie::cli {

struct AnomalyBackfillOptions {
  std::string rule;
  std::string group;  // Empty: every group with an anomaly rule of that name.
  std::string since = "7d";
  std::string step;  // Empty: vigied's default (the group's interval, <= 10,080 steps).
  std::string timeout = "5m";
  HttpOptions http;
};

// Adds `backfill` under `anomaly` (the command AddAnomalyCommand made).
CLI::App* AddAnomalyBackfillCommand(
    CLI::App* anomaly, AnomalyBackfillOptions* options, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags);

// Prints, per group, the series and points learnt and how many series are still learning.
// Returns kExitOk, kExitUsage on a bad flag, or CallJsonApi's code.
int RunAnomalyBackfill(const ClientOptions& client, AnomalyBackfillOptions options);

}  // namespace vigie::cli
