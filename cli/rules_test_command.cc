#include "cli/rules_test_command.h"

#include "alerts/rulestest/rules_engine.h"

namespace vigie::cli {

CLI::App* AddRulesTestCommand(CLI::App* rules, RulesTestOptions* options) {
  CLI::App* cmd = rules->add_subcommand(
      "test", "Run unit tests of rules in promtool's format (promtool test rules)");
  cmd->add_option("files", options->files, "Test files (rule_files inside are relative to each)")
      ->required();
  cmd->footer(
      "The format is promtool's: rule_files, evaluation_interval, group_eval_order, and tests\n"
      "with interval, input_series (series and values such as '0+10x5 _ stale'),\n"
      "alert_rule_test (eval_time, alertname, exp_alerts) and promql_expr_test (expr,\n"
      "eval_time, exp_samples). Exit code 0 when every test passes, 1 otherwise.\n"
      "Example: vigie rules test tests/front_test.yml");
  return cmd;
}

int RunRulesTest(const RulesTestOptions& options, std::ostream& out, std::ostream& err) {
  return alerts::rulestest::RunTestFiles(options.files, alerts::rulestest::VigieRuleEngines(), out,
                                         err);
}

}  // namespace vigie::cli
