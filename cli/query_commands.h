// vigie grep, vigie tail and vigie labels.
#pragma once

#include <string>

#include "cli/client.h"
#include "cli/output.h"

namespace vigie::cli {

struct GrepOptions {
  std::string query;
  std::string since = "1h";  // Used when --from is not given.
  std::string from, to;      // RFC 3339 or Unix time; --to defaults to now.
  uint32_t limit = 100;      // 0: the server's maximum.
  bool forward = false;
  std::string step;  // Metric queries; empty: the server picks.
  OutputFormat output = OutputFormat::kText;
};

struct TailOptions {
  std::string query;
  std::string since = "0s";  // Also show the entries of this last period first.
  uint32_t limit = 100;
  OutputFormat output = OutputFormat::kText;
};

struct LabelsOptions {
  std::string name;   // Empty: list label names.
  std::string since;  // Empty: all stored data.
};

int RunGrep(const ClientOptions& client, const GrepOptions& options);
int RunTail(const ClientOptions& client, const TailOptions& options);
int RunLabels(const ClientOptions& client, const LabelsOptions& options);

}  // namespace vigie::cli
