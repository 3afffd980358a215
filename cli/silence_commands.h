// vigie silence add|list|expire: silences through vigied's Alertmanager API v2
// (/api/v2/silences, /api/v2/silence/{id}) on its HTTP port (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "cli/client.h"

namespace vigie::cli {

struct SilenceOptions {
  std::string url = "http://127.0.0.1:9470";  // vigied's HTTP address.
  // add
  std::vector<std::string> matchers;  // alertname=Http404Spike, service=~"front|back", ...
  std::string duration = "1h";
  std::string comment;
  std::string author;  // Default: $USER.
  // list
  bool expired = false;  // Also the expired ones.
  // expire
  std::vector<std::string> ids;
};

// Adds `silence` with its subcommands add, list and expire to `app`, their flags into *options
// and the connection flags (token, TLS) into *client through `add_connection_flags`; returns
// the `silence` command (run it with RunSilence when parsed).
CLI::App* AddSilenceCommands(
    CLI::App* app, SilenceOptions* options, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags);
// Runs the subcommand of `silence_cmd` that was parsed.
int RunSilence(const CLI::App& silence_cmd, const ClientOptions& client,
               const SilenceOptions& options);

// Each prints what it did (add: the new silence's id) and returns the exit code: 0 done,
// 1 vigied refused or was unreachable, 2 a bad matcher or duration.
int RunSilenceAdd(const ClientOptions& client, const SilenceOptions& options);
int RunSilenceList(const ClientOptions& client, const SilenceOptions& options);
int RunSilenceExpire(const ClientOptions& client, const SilenceOptions& options);

}  // namespace vigie::cli
