// vigie deploy (record a deploy event) and vigie deploy list (a table of them), over
// vigie.v1.Deploys (docs/cli.md, "deploy").
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "cli/client.h"

namespace vigie::cli {

struct DeployFlags {
  std::string service, environment, version, commit, author, description, url;
  std::string time;  // RFC 3339 or Unix time; empty: vigied's now.
  std::string end;   // A rollout's end; empty: none.
  std::string timeout = "30s";
};

struct DeployListFlags {
  std::string since = "7d";
  std::string from, to;  // Override --since / now.
  std::string service, environment, version, commit, author;
  uint32_t limit = 100;
  std::string timeout = "30s";
};

// `vigie deploy` and its `list` subcommand, registered on the main app. Not thread-safe.
class DeployCommands {
 public:
  // Adds the subcommands to `app`; `add_connection_flags` gives each the connection flags.
  DeployCommands(CLI::App* app, ClientOptions* client,
                 const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags);

  // True when the command line named `vigie deploy` (with or without `list`).
  bool selected() const { return static_cast<bool>(*record_cmd_); }
  // Runs the command the line named; returns the exit code.
  int Run(const ClientOptions& client) const;

 private:
  int Record(const ClientOptions& client) const;
  int List(const ClientOptions& client) const;

  CLI::App* record_cmd_;
  CLI::App* list_cmd_;
  DeployFlags record_;
  DeployListFlags list_;
};

}  // namespace vigie::cli
