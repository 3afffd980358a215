#include "cli/rules_commands.h"

#include <fstream>
#include <sstream>

#include "alerts/rules/rule_file.h"
#include "common/limits.h"

namespace vigie::cli {

CLI::App* AddRulesCommand(CLI::App* app) {
  CLI::App* rules = app->add_subcommand("rules", "Check Prometheus rule files");
  rules->require_subcommand(1);
  return rules;
}

CLI::App* AddRulesCheckCommand(CLI::App* rules, RulesCheckOptions* options) {
  CLI::App* check = rules->add_subcommand(
      "check",
      "Read rule files as vigied would (Prometheus's format; expr in PromQL or LogQL) and report "
      "every error with its file, line, group, rule and reason; exit 1 if any");
  check->add_option("files", options->files, "Rule files (or quoted globs)")->required();
  return check;
}

int RunRulesCheck(const RulesCheckOptions& options, std::ostream& out, std::ostream& err) {
  bool failed = false;
  for (const std::string& pattern : options.files) {
    auto paths = alerts::rules::ExpandRulePatterns({pattern});
    if (!paths.ok()) {
      out << "Checking " << pattern << "\n";
      err << "  FAILED:\n" << paths.status().message() << "\n\n";
      failed = true;
      continue;
    }
    for (const std::string& path : *paths) {
      out << "Checking " << path << "\n";
      std::ifstream in(path);
      if (!in.is_open()) {
        err << "  FAILED:\n" << path << ": cannot read the file\n\n";
        failed = true;
        continue;
      }
      std::stringstream content;
      content << in.rdbuf();
      auto groups = alerts::rules::ParseRuleFile(path, content.str(), Limits());
      if (!groups.ok()) {
        err << "  FAILED:\n" << groups.status().message() << "\n\n";
        failed = true;
        continue;
      }
      size_t rules = 0;
      for (const auto& g : *groups) rules += g.rules.size();
      out << "  SUCCESS: " << rules << " rules found\n\n";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace vigie::cli
