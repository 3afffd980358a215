// vigie: the command-line client of vigied.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/alerts_commands.h"
#include "cli/anomaly_backfill.h"
#include "cli/anomaly_commands.h"
#include "cli/anomaly_explain.h"
#include "cli/deploy_commands.h"
#include "cli/promql_commands.h"
#include "cli/push.h"
#include "cli/query_commands.h"
#include "cli/rules_commands.h"
#include "cli/rules_test_command.h"
#include "cli/silence_commands.h"

namespace {

using namespace vigie::cli;

constexpr const char* kCommands =
    "push, grep, tail, labels, query, series, deploy, rules, silence, alerts, anomaly";

// The connection flags, accepted before the subcommand and after it.
void AddConnectionFlags(CLI::App* app, ClientOptions* client) {
  auto* group = app->add_option_group("Connection", "How to reach vigied");
  group->add_option("--server", client->server, "vigied gRPC address")->capture_default_str();
  group->add_option("--token", client->token, "Bearer token (default: $VIGIE_TOKEN, else none)");
  group->add_flag("--tls", client->tls, "Connect with TLS (default: plaintext)");
  group->add_option("--ca-cert", client->ca_file,
                    "PEM roots to verify the server with --tls (default: the system's)");
}

// --output and --color of the query subcommands.
void AddOutputFlags(CLI::App* cmd, std::string* output, QueryOutputOptions* options) {
  cmd->add_option("--output,-o", *output,
                  "text (the lines), wide (RFC 3339 time, labels, line) or jsonl (one JSON "
                  "object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "wide", "jsonl"}));
  cmd->add_option("--color,--colour", options->color,
                  "Highlight matches: auto (when standard output is a terminal and $NO_COLOR "
                  "is unset), always or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vigie: push logs to vigied, grep and tail them with LogQL; query metrics with PromQL.",
      "vigie"};
  app.require_subcommand(1);
  app.footer(
      "Commands: push, grep, tail, labels, query, series, deploy, rules, silence, alerts, "
      "anomaly; `vigie "
      "COMMAND --help` for each. Exit "
      "codes: 0 "
      "done, 1 vigied failed or was unreachable, 2 bad flag or query, 130 Ctrl-C. See "
      "docs/cli.md.");
  ClientOptions client;
  if (const char* token = getenv("VIGIE_TOKEN")) client.token = token;
  AddConnectionFlags(&app, &client);

  PushOptions push;
  CLI::App* push_cmd = app.add_subcommand(
      "push", "Send files (or stdin) to vigied, one entry per line, byte for byte");
  push_cmd->add_option("files", push.files, "Files to send (default: standard input)");
  push_cmd
      ->add_option("--label,-l", push.labels,
                   "name=value label of the stream (repeatable); see Labels below")
      ->allow_extra_args(false);
  push_cmd->add_option("--time-format", push.time_format,
                       "Take each line's time from its start: a strptime format such as "
                       "'%Y-%m-%d %H:%M:%S', or rfc3339 (default: the time the line is read)");
  AddConnectionFlags(push_cmd, &client);
  push_cmd
      ->add_option("--timeout", push.timeout,
                   "How long to retry while vigied is unreachable or not answering, from the "
                   "start too (0: give up at the first error)")
      ->capture_default_str();
  push_cmd->footer(kPushHelpFooter);

  std::string grep_output = "text", tail_output = "text";
  GrepOptions grep;
  CLI::App* grep_cmd = app.add_subcommand("grep", "Run a LogQL query over a time range");
  grep_cmd->add_option("query", grep.query, "LogQL, e.g. '{service=\"api\"} |= \"timeout\"'")
      ->required();
  grep_cmd
      ->add_option("--since", grep.since,
                   "How far back from --to: a duration with a unit (90s, 15m, 1.5h, 2d)")
      ->capture_default_str();
  grep_cmd->add_option("--from", grep.from,
                       "Start: RFC 3339 (2026-12-01T19:00:00Z) or Unix time; overrides --since "
                       "(default: --to minus --since)");
  grep_cmd->add_option("--to", grep.to, "End: RFC 3339 or Unix time (default: now)");
  grep_cmd
      ->add_option("--limit", grep.limit,
                   "Most matching lines to show; 0 streams every match. When the limit leaves "
                   "matches out, stderr says so")
      ->capture_default_str();
  grep_cmd->add_flag("--forward", grep.forward, "Oldest first (default: newest first)");
  grep_cmd
      ->add_option("-A,--after-context", grep.after,
                   "Also show N lines of the same stream after each match")
      ->capture_default_str();
  grep_cmd
      ->add_option("-B,--before-context", grep.before,
                   "Also show N lines of the same stream before each match")
      ->capture_default_str();
  grep_cmd->add_option_function<uint32_t>(
      "-C,--context", [&grep](uint32_t n) { grep.before = grep.after = n; },
      "-A N and -B N (default: 0)");
  grep_cmd->add_flag("--count,-c", grep.count,
                     "Print the number of matching lines (of each stream, when several match) "
                     "instead of the lines");
  grep_cmd->add_flag("--stats", grep.stats,
                     "Afterwards, print to stderr what vigied read: blocks read and skipped, "
                     "lines and bytes, and the CPU time of each phase of its scan");
  grep_cmd->add_option("--step", grep.step,
                       "Metric queries: evaluation step, e.g. 1m (default: the range / 250)");
  grep_cmd
      ->add_option("--timeout", grep.timeout,
                   "Give up when vigied has not answered in full by then (0: never)")
      ->capture_default_str();
  AddOutputFlags(grep_cmd, &grep_output, &grep);
  AddConnectionFlags(grep_cmd, &client);

  TailOptions tail;
  CLI::App* tail_cmd =
      app.add_subcommand("tail", "Follow new entries of a log query (Ctrl-C stops)");
  tail_cmd->add_option("query", tail.query, "LogQL log query")->required();
  tail_cmd->add_option("--since", tail.since, "First show the entries of this last period")
      ->capture_default_str();
  tail_cmd->add_option("--limit", tail.limit, "Most entries shown from --since")
      ->capture_default_str();
  AddOutputFlags(tail_cmd, &tail_output, &tail);
  AddConnectionFlags(tail_cmd, &client);

  LabelsOptions labels;
  CLI::App* labels_cmd = app.add_subcommand("labels", "List label names, or one label's values");
  labels_cmd->add_option("name", labels.name,
                         "Label whose values to list (default: list the label names)");
  labels_cmd->add_option("--since", labels.since,
                         "Only streams with data this recent, e.g. 2h (default: all stored data)");
  labels_cmd->add_flag("--metrics", labels.metrics,
                       "Labels of metric series rather than of log streams (`vigie labels "
                       "--metrics __name__` lists the metric names)");
  labels_cmd->add_option("--timeout", labels.timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  AddConnectionFlags(labels_cmd, &client);

  PromQueryOptions query;
  CLI::App* query_cmd = app.add_subcommand(
      "query", "Evaluate a PromQL expression: now, at --time, or over a range (--since)");
  query_cmd
      ->add_option("expr", query.query,
                   "PromQL, e.g. 'sum by (code) (rate(http_requests_total[5m]))'")
      ->required();
  query_cmd->add_option("--time", query.time,
                        "Instant query at this time: RFC 3339 or Unix time (default: now)");
  query_cmd->add_option("--since", query.since,
                        "Range query over this last period before --until, e.g. 6h (default: "
                        "an instant query)");
  query_cmd->add_option("--until", query.until,
                        "End of the range: RFC 3339 or Unix time (default: now)");
  query_cmd->add_option("--step", query.step,
                        "Range step, e.g. 1m (default: the range / 250, at least 1s)");
  query_cmd
      ->add_option("--output,-o", query.output,
                   "auto (a chart for a range on a terminal, else a table), chart, table, json "
                   "(Prometheus's API data) or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "chart", "table", "json", "csv"}));
  query_cmd
      ->add_option("--color,--colour", query.color,
                   "Colour the chart's series: auto (when standard output is a terminal and "
                   "$NO_COLOR is unset), always or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
  query_cmd
      ->add_option("--timeout", query.timeout,
                   "Give up when vigied has not answered by then (0: never; vigied's "
                   "--promql-timeout applies too)")
      ->capture_default_str();
  AddConnectionFlags(query_cmd, &client);

  SeriesOptions series;
  CLI::App* series_cmd =
      app.add_subcommand("series", "List the metric series that selectors select");
  series_cmd
      ->add_option("selector", series.selectors,
                   "PromQL series selectors, e.g. '{job=\"node\"}' up (any of them)")
      ->required();
  series_cmd->add_option("--since", series.since,
                         "Only series with data this recent, e.g. 2h (default: all stored data)");
  series_cmd
      ->add_option("--output,-o", series.output,
                   "text (name{labels} a line) or json (one object of labels a line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  series_cmd->add_option("--timeout", series.timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  AddConnectionFlags(series_cmd, &client);

  DeployCommands deploy(&app, &client, AddConnectionFlags);
  CLI::App* rules_cmd = AddRulesCommand(&app);
  RulesCheckOptions rules_check;
  CLI::App* rules_check_cmd = AddRulesCheckCommand(rules_cmd, &rules_check);
  SilenceOptions silence;
  CLI::App* silence_cmd = AddSilenceCommands(&app, &silence, &client, AddConnectionFlags);
  RulesTestOptions rules_test;
  CLI::App* rules_test_cmd = AddRulesTestCommand(rules_cmd, &rules_test);
  AnomalyScoreOptions anomaly_score;
  CLI::App* anomaly_cmd = AddAnomalyCommand(&app);
  CLI::App* anomaly_score_cmd = AddAnomalyScoreCommand(anomaly_cmd, &anomaly_score);
  AnomalyExplainOptions anomaly_explain;
  CLI::App* anomaly_explain_cmd = AddAnomalyExplainCommand(anomaly_cmd, &anomaly_explain);
  AddConnectionFlags(anomaly_explain_cmd, &client);
  AlertsCommands alerts(&app, &client, AddConnectionFlags);
  AnomalyBackfillOptions anomaly_backfill;
  CLI::App* anomaly_backfill_cmd =
      AddAnomalyBackfillCommand(anomaly_cmd, &anomaly_backfill, &client, AddConnectionFlags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty() && e.get_exit_code() != 0) {
      std::vector<std::string> rest = app.remaining();
      if (rest.empty()) {
        std::cerr << "vigie: a command is required; commands: " << kCommands << " (vigie --help)\n";
      } else {
        std::cerr << "vigie: unknown command \"" << rest.front() << "\"; commands: " << kCommands
                  << "\n";
      }
      return kExitUsage;
    }
    // CLI11 prints the error (or the help, exit 0); any error is a usage error, whatever
    // CLI11's own code for it (105 for a value a check refused).
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (*rules_check_cmd) return RunRulesCheck(rules_check, std::cout, std::cerr);
  if (*push_cmd) return RunPush(client, push);
  if (*grep_cmd) {
    ParseOutputFormat(grep_output, &grep.output);
    return RunGrep(client, grep);
  }
  if (*tail_cmd) {
    ParseOutputFormat(tail_output, &tail.output);
    return RunTail(client, tail);
  }
  if (*query_cmd) return RunPromQuery(client, query);
  if (*series_cmd) return RunSeries(client, series);
  if (deploy.selected()) return deploy.Run(client);
  if (*silence_cmd) return RunSilence(*silence_cmd, client, silence);
  if (alerts.selected()) return alerts.Run(client);
  if (*rules_test_cmd) return RunRulesTest(rules_test, std::cout, std::cerr);
  if (*anomaly_score_cmd) return RunAnomalyScore(anomaly_score, std::cin, std::cout, std::cerr);
  if (*anomaly_backfill_cmd) return RunAnomalyBackfill(client, anomaly_backfill);
  if (*anomaly_explain_cmd) return RunAnomalyExplain(client, anomaly_explain);
  return RunLabels(client, labels);
}
