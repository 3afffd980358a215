// vigie rules test: promtool's unit tests for rules (`promtool test rules`), run with vigie's
// rule engine over an in-memory store in virtual time (alerts/rulestest, docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace vigie::cli {

struct RulesTestOptions {
  std::vector<std::string> files;  // promtool test files.
};

// Adds `rules test` under `rules` (rules_commands.h's AddRulesCommand).
CLI::App* AddRulesTestCommand(CLI::App* rules, RulesTestOptions* options);

// As promtool: for each file "Unit Testing:  FILE" then "  SUCCESS" on `out`, or "  FAILED:"
// and each failure (the expected and actual alerts or samples) on `err`. Returns 0 when every
// test passed, 1 otherwise.
int RunRulesTest(const RulesTestOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigie::cli
