// vigie rules: work on Prometheus rule files without a server. `vigie rules check FILE...`
// reads them with vigied's own loader and reports as promtool does (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace vigie::cli {

// Adds the `rules` command to `app` and returns it, for its subcommands (check, test) to join.
CLI::App* AddRulesCommand(CLI::App* app);

struct RulesCheckOptions {
  std::vector<std::string> files;  // Paths or globs.
};

// Adds `rules check` under `rules`.
CLI::App* AddRulesCheckCommand(CLI::App* rules, RulesCheckOptions* options);

// For each file: "Checking FILE" then "  SUCCESS: N rules found" on `out`, or "  FAILED:" and
// its errors (file:line: group, rule, reason) on `err`. Returns 0 when every file is valid,
// 1 otherwise (as promtool).
int RunRulesCheck(const RulesCheckOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigie::cli
