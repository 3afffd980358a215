// vigie grep, vigie tail and vigie labels.
#pragma once

#include <string>

#include "cli/client.h"
#include "cli/output.h"

namespace vigie::cli {

// What the query subcommands share: how long to wait and how to print.
struct QueryOutputOptions {
  OutputFormat output = OutputFormat::kText;
  std::string color = "auto";  // auto, always or never.
};

struct GrepOptions : QueryOutputOptions {
  std::string query;
  std::string since = "1h";  // Used when --from is not given.
  std::string from, to;      // RFC 3339 or Unix time; --to defaults to now.
  uint32_t limit = 100;      // 0: every match, streamed.
  bool forward = false;
  uint32_t before = 0, after = 0;  // Context lines (-B, -A; -C sets both).
  bool count = false;
  std::string step;  // Metric queries; empty: the server picks.
  std::string timeout = "5m";
  bool stats = false;  // Print what the query read to stderr.
};

struct TailOptions : QueryOutputOptions {
  std::string query;
  std::string since = "0s";  // Also show the entries of this last period first.
  uint32_t limit = 100;
};

struct LabelsOptions {
  std::string name;      // Empty: list label names.
  bool metrics = false;  // The labels of metric series rather than of log streams.
  std::string since;     // Empty: all stored data.
  std::string timeout = "30s";
};

int RunGrep(const ClientOptions& client, const GrepOptions& options);
int RunTail(const ClientOptions& client, const TailOptions& options);
int RunLabels(const ClientOptions& client, const LabelsOptions& options);

}  // namespace vigie::cli
