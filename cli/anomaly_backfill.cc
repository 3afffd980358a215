#include "cli/anomaly_backfill.h"

#include <iostream>

#include "cli/time_flags.h"
#include "common/strings.h"

namespace vigie::cli {

CLI::App* AddAnomalyBackfillCommand(
    CLI::App* anomaly, AnomalyBackfillOptions* options, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags) {
  CLI::App* cmd = anomaly->add_subcommand(
      "backfill", "Learn an anomaly rule's detectors from stored history at once");
  cmd->add_option("rule", options->rule, "The anomaly rule's name (its `alert`)")->required();
  cmd->add_option("--since", options->since, "How much history to learn from, back from now")
      ->capture_default_str();
  cmd->add_option("--group", options->group,
                  "Only the rule of this group (default: the rule in every group that has it)");
  cmd->add_option("--step", options->step,
                  "The history's resolution (default: the group's interval, but at most 10080 "
                  "points per series)");
  cmd->add_option("--url", options->http.url, "vigied's HTTP API (its --http-listen address)")
      ->capture_default_str();
  cmd->add_option("--timeout", options->timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  cmd->footer(
      "Replays the rule's expression over --since (a range query at --step) through fresh\n"
      "detectors and replaces the rule's detector state with them (admin scope when tokens are\n"
      "on). A detector learns in its first day and 100 points: give at least a day, a week to\n"
      "learn the weekly shape.\n"
      "Example: vigie anomaly backfill LoginsAnomalous --since 14d");
  add_connection_flags(cmd, client);
  return cmd;
}

int RunAnomalyBackfill(const ClientOptions& client, AnomalyBackfillOptions options) {
  int64_t since_ns = 0, step_ns = 0, timeout_ns = 0;
  if (!ParseDurationFlag("--since", options.since, &since_ns) ||
      (!options.step.empty() && !ParseDurationFlag("--step", options.step, &step_ns)) ||
      (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout_ns))) {
    return kExitUsage;
  }
  options.http.timeout_ms = timeout_ns / 1'000'000;
  std::string path = StrCat("/api/v1/anomaly/backfill?rule=", UrlEscape(options.rule),
                            "&since=", since_ns / 1'000'000, "ms");
  if (!options.group.empty()) StrAppend(&path, "&group=", UrlEscape(options.group));
  if (step_ns > 0) StrAppend(&path, "&step=", step_ns / 1'000'000, "ms");
  nlohmann::json data;
  if (int code = CallJsonApi(client, options.http, "POST", path, &data); code) return code;
  for (const nlohmann::json& g : data.value("groups", nlohmann::json::array())) {
    size_t learning = g.value("learning", size_t{0});
    std::cout << g.value("file", "") << ": group \"" << g.value("group", "")
              << "\": " << g.value("series", size_t{0}) << " series learnt from "
              << g.value("points", size_t{0}) << " points (" << g.value("start", "") << " to "
              << g.value("end", "") << ", step " << g.value("step", 0.0) << "s)";
    if (learning > 0) {
      std::cout << "; " << learning
                << " still learning (not enough history: a detector needs its first day and "
                   "100 points)";
    }
    std::cout << "\n";
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

}  // namespace vigie::cli
