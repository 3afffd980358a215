// vigie query (PromQL, instant or range) and vigie series; `vigie labels --metrics` is in
// query_commands.h. They call vigie.v1.Query's PromQuery and Series RPCs (docs/cli.md).
#pragma once

#include <string>
#include <vector>

#include "cli/client.h"

namespace vigie::cli {

struct PromQueryOptions {
  std::string query;
  std::string time;             // Instant query: RFC 3339 or Unix time; empty: now.
  std::string since;            // Set: a range query over the last `since` before --until.
  std::string until;            // Range end; empty: now.
  std::string step;             // Range step; empty: the range / 250, at least 1s.
  std::string output = "auto";  // auto, chart, table, json, csv.
  std::string color = "auto";
  std::string timeout = "2m";
};

struct SeriesOptions {
  std::vector<std::string> selectors;
  std::string since;            // Empty: all stored data.
  std::string output = "text";  // text (one series a line) or json.
  std::string timeout = "30s";
};

int RunPromQuery(const ClientOptions& client, const PromQueryOptions& options);
int RunSeries(const ClientOptions& client, const SeriesOptions& options);

}  // namespace vigie::cli
