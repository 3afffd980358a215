// vigie: the command-line client of vigied.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/push.h"
#include "cli/query_commands.h"

int main(int argc, char** argv) {
  using namespace vigie::cli;
  CLI::App app{"vigie: push logs to vigied, grep and tail them with LogQL.", "vigie"};
  app.require_subcommand(1);
  ClientOptions client;
  if (const char* token = getenv("VIGIE_TOKEN")) client.token = token;
  app.add_option("--server", client.server, "vigied gRPC address")->capture_default_str();
  app.add_option("--token", client.token, "Bearer token (default: $VIGIE_TOKEN)");
  app.add_flag("--tls", client.tls, "Connect with TLS");
  app.add_option("--ca-cert", client.ca_file, "PEM roots to verify the server with --tls");

  std::string output = "text";
  auto output_flag = [&output](CLI::App* cmd) {
    cmd->add_option("--output,-o", output, "text, or jsonl (one JSON object per line)")
        ->capture_default_str()
        ->check(CLI::IsMember({"text", "jsonl"}));
  };

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
  push_cmd
      ->add_option("--timeout", push.timeout,
                   "How long to retry while vigied is unreachable or not answering, from the "
                   "start too (0: give up at the first error)")
      ->capture_default_str();
  push_cmd->footer(kPushHelpFooter);

  GrepOptions grep;
  CLI::App* grep_cmd = app.add_subcommand("grep", "Run a LogQL query over a time range");
  grep_cmd->add_option("query", grep.query, "LogQL, e.g. '{service=\"api\"} |= \"timeout\"'")
      ->required();
  grep_cmd->add_option("--since", grep.since, "How far back from --to")->capture_default_str();
  grep_cmd->add_option("--from", grep.from, "Start (RFC 3339 or Unix time); overrides --since");
  grep_cmd->add_option("--to", grep.to, "End (RFC 3339 or Unix time; default now)");
  grep_cmd->add_option("--limit", grep.limit, "Most entries to show (0: the server's maximum)")
      ->capture_default_str();
  grep_cmd->add_flag("--forward", grep.forward, "Oldest first (default: newest first)");
  grep_cmd->add_option("--step", grep.step, "Metric queries: evaluation step, e.g. 1m");
  output_flag(grep_cmd);

  TailOptions tail;
  CLI::App* tail_cmd =
      app.add_subcommand("tail", "Follow new entries of a log query (Ctrl-C stops)");
  tail_cmd->add_option("query", tail.query, "LogQL log query")->required();
  tail_cmd->add_option("--since", tail.since, "First show the entries of this last period")
      ->capture_default_str();
  tail_cmd->add_option("--limit", tail.limit, "Most entries shown from --since")
      ->capture_default_str();
  output_flag(tail_cmd);

  LabelsOptions labels;
  CLI::App* labels_cmd = app.add_subcommand("labels", "List label names, or one label's values");
  labels_cmd->add_option("name", labels.name, "Label whose values to list");
  labels_cmd->add_option("--since", labels.since, "Only streams with data this recent");

  CLI11_PARSE(app, argc, argv);
  OutputFormat format = OutputFormat::kText;
  ParseOutputFormat(output, &format);
  if (*push_cmd) return RunPush(client, push);
  if (*grep_cmd) {
    grep.output = format;
    return RunGrep(client, grep);
  }
  if (*tail_cmd) {
    tail.output = format;
    return RunTail(client, tail);
  }
  return RunLabels(client, labels);
}
