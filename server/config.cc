#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "common/flags.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::server {

namespace {

absl::Status LoadTokenFile(const std::string& path, std::vector<TokenGrant>* out) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read token file ", path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    TokenGrant grant;
    std::string scopes, scope;
    fields >> grant.token >> scopes;
    std::istringstream scope_list(scopes);
    while (std::getline(scope_list, scope, ',')) {
      Scope s;
      if (!ParseScope(scope, &s)) {
        return absl::InvalidArgumentError(StrCat(path, ":", number, ": unknown scope \"", scope,
                                                 "\" (use ingest, query, admin)"));
      }
      grant.scopes.push_back(s);
    }
    if (grant.token.empty() || grant.scopes.empty()) {
      return absl::InvalidArgumentError(
          StrCat(path, ":", number, ": expected \"<token> <scope>[,<scope>...]\""));
    }
    out->push_back(std::move(grant));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLoopback(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

absl::Status CheckExposure(const ServerConfig& config) {
  for (const std::string& listen :
       {config.grpc_listen, config.http_listen, config.otlp_http_listen}) {
    if (listen.empty() || listen == "off") continue;
    if (!IsLoopback(listen) && config.tokens.empty() && !config.insecure) {
      return absl::FailedPreconditionError(
          StrCat("refusing to listen on ", listen,
                 " without authentication: configure tokens (--token-file) or pass --insecure"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ServerConfig> ParseServerConfig(int argc, char** argv) {
  ServerConfig config;
  CLI::App app{
      "vigied: the vigie server. Stores logs in RocksDB and serves gRPC (Ingest, Query, OTLP "
      "port) and HTTP (Loki API, /metrics). Runs with no configuration.",
      "vigied"};
  std::string config_file, token_file;
  app.add_option("--config", config_file, "YAML file; its keys are these flags' names");
  app.add_option("--data-dir", config.data_dir, "RocksDB data directory")->capture_default_str();
  app.add_option("--grpc-listen", config.grpc_listen, "gRPC address (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--http-listen", config.http_listen, "HTTP address (Loki API, /metrics)")
      ->capture_default_str();
  app.add_option("--otlp-http-listen", config.otlp_http_listen,
                 "OTLP/HTTP address (/v1/metrics, /v1/logs; also served on the HTTP port); the "
                 "default is taken only when free; \"off\": none")
      ->default_str(kDefaultOtlpHttpListen);
  AddDurationOption(&app, "--retention", &config.retention_ns,
                    "Drop data older than this (0: keep forever)");
  AddDurationOption(&app, "--partition", &config.partition_ns,
                    "Time partition width, at least 1m (fixed at creation)");
  AddDurationOption(&app, "--out-of-order-window", &config.out_of_order_window_ns,
                    "Accept a metric sample this much older than its series' newest (older: "
                    "refused and counted; 0: in order only)");
  app.add_option("--token-file", token_file,
                 "File of \"<token> <scope>[,<scope>]\" lines; scopes: ingest, query, admin "
                 "(none: no authentication, loopback only)");
  app.add_flag("--insecure", config.insecure, "Allow a non-loopback listen address without tokens");
  app.add_option("--tls-cert", config.tls.cert_file,
                 "PEM certificate: TLS on both ports (none: plain)");
  app.add_option("--tls-key", config.tls.key_file, "PEM private key for --tls-cert");
  app.add_option(
      "--ready-file", config.ready_file,
      "Write {\"grpc\":..,\"http\":..,\"otlp_http\":..} here once listening (for scripts "
      "and tests)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  AddDurationOption(&app, "--self-metrics-interval", &config.self_metrics_interval_ns,
                    "Store vigied's own /metrics as series (job=\"vigied\") this often (0: off)");
  app.add_option("--query-threads", config.query_threads, "Threads scanning blocks per query")
      ->capture_default_str();
  Limits& l = config.limits;
  app.add_option("--max-line-bytes", l.max_line_bytes, "Longest log line accepted")
      ->capture_default_str();
  app.add_option("--max-labels-per-stream", l.max_labels_per_stream, "Most labels on one stream")
      ->capture_default_str();
  app.add_option("--max-label-name-bytes", l.max_label_name_bytes, "Longest label name")
      ->capture_default_str();
  app.add_option("--max-label-value-bytes", l.max_label_value_bytes, "Longest label value")
      ->capture_default_str();
  app.add_option("--max-batch-bytes", l.max_batch_bytes, "Largest push batch (line bytes)")
      ->capture_default_str();
  app.add_option("--max-streams-per-sender,--max-streams-per-agent", l.max_streams_per_sender,
                 "Streams one sender (agent, token, X-Scope-OrgID or address) may write to at once")
      ->capture_default_str();
  app.add_option("--max-labels-per-series", l.max_labels_per_series,
                 "Most labels on one metric series, __name__ included")
      ->capture_default_str();
  app.add_option("--max-samples-per-request", l.max_samples_per_request,
                 "Most samples in one Push or remote_write request")
      ->capture_default_str();
  app.add_option("--max-series-per-sender", l.max_series_per_sender,
                 "Metric series one sender (agent, token, X-Scope-OrgID or address) may write to "
                 "at once")
      ->capture_default_str();
  app.add_option("--max-inflight-request-bytes", l.max_inflight_request_bytes,
                 "Bytes that pushes in flight may hold, received and decompressed, HTTP and gRPC "
                 "together; beyond, senders get 429 / RESOURCE_EXHAUSTED and retry")
      ->capture_default_str();
  app.add_option("--max-decompression-ratio", l.max_decompression_ratio,
                 "How many times its size a gzip HTTP body may inflate to (at least 1 MiB; 0: "
                 "only the body limit)")
      ->capture_default_str();
  AddDurationOption(
      &app, "--stream-idle-timeout", &l.stream_idle_ns,
      "A stream or series stops counting against its sender's budget after this without "
      "entries or samples");
  app.add_option("--max-senders", l.max_senders, "Senders with active streams tracked at once")
      ->capture_default_str();
  AddDurationOption(&app, "--reject-older-than", &l.reject_older_than_ns,
                    "Refuse entries older than this (0: the --retention period)");
  AddDurationOption(&app, "--creation-grace", &l.creation_grace_ns,
                    "Refuse entries stamped further than this ahead of vigied's clock");
  app.add_option("--max-query-bytes", l.max_query_bytes, "Longest LogQL query text")
      ->capture_default_str();
  app.add_option("--max-regex-program-size", l.max_regex_program_size,
                 "Largest compiled regex (re2 program instructions)")
      ->capture_default_str();
  app.add_option("--max-line-filters-per-query", l.max_line_filters_per_query,
                 "Most line filters (|= != |~ !~) in one query")
      ->capture_default_str();
  app.add_option("--max-matchers-per-query", l.max_matchers_per_query,
                 "Most label matchers in one stream selector")
      ->capture_default_str();
  AddDurationOption(&app, "--max-query-range", &l.max_query_range_ns,
                    "Longest query time range; for metric queries, time range plus [range]");
  app.add_option("--max-entries-per-query", l.max_entries_per_query,
                 "Most entries a log query may ask for")
      ->capture_default_str();
  app.add_option("--default-entries-per-query", l.default_entries_per_query,
                 "Entries a log query returns when it sets no limit")
      ->capture_default_str();
  app.add_option("--max-series-per-query", l.max_series_per_query,
                 "Most series a metric query may return")
      ->capture_default_str();
  app.add_option("--max-points-per-series", l.max_points_per_series,
                 "Most points per series of a metric query (time range / step)")
      ->capture_default_str();
  AddDurationOption(&app, "--query-timeout", &l.query_timeout_ns,
                    "Queries running longer are stopped");
  promql::EngineLimits& p = config.promql;
  int64_t promql_timeout_ns = p.timeout_ms * kNanosPerMilli;
  int64_t lookback_ns = p.lookback_ms * kNanosPerMilli;
  AddDurationOption(&app, "--promql-timeout", &promql_timeout_ns,
                    "PromQL queries running longer are stopped (errorType timeout); a request's "
                    "timeout parameter may only shorten it");
  AddDurationOption(&app, "--promql-lookback-delta", &lookback_ns,
                    "How far back PromQL looks for a series' latest sample (Prometheus's "
                    "--query.lookback-delta)");
  app.add_option("--promql-max-samples", p.max_samples,
                 "Most samples one PromQL query may load into memory at once")
      ->capture_default_str();
  app.add_option("--promql-max-series", p.max_series,
                 "Most series one PromQL query may select, all its selectors together")
      ->capture_default_str();
  app.add_option("--promql-max-points", p.max_points_per_series,
                 "Most points per series of a PromQL range query ((end - start) / step)")
      ->capture_default_str();
  int64_t deploy_window_ns = config.deploys.window_ms * kNanosPerMilli;
  AddDurationOption(&app, "--deploys.correlation-window", &deploy_window_ns,
                    "An alert follows the deploys of its service that happened (or were rolling "
                    "out) this long before its onset");
  app.add_option("--deploys.service-labels", config.deploys.service_labels,
                 "An alert's service is the value of the first of these labels it has")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--deploys.environment-labels", config.deploys.environment_labels,
                 "When an alert has one of these labels, deploys to other environments do not "
                 "count (deploys without one do)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--alertmanager.url", config.alertmanager_urls,
                 "Also send the rules' alerts to this Alertmanager's /api/v2/alerts, as "
                 "Prometheus does (repeatable; default: none)");
  app.add_option("--notify", config.notify_file,
                 "Notification config in Alertmanager's format (route, receivers, inhibit_rules, "
                 "time_intervals); reloaded with the rules (default: none: alerts are grouped, "
                 "shown and silenced, nothing is sent)");
  app.add_option("--dashboards", config.dashboards_dir,
                 "A folder of dashboards (*.yaml, docs/web.md) for the web UI, beside the "
                 "shipped host and service ones (default: none)");

  app.add_option("--rules", config.rule_files,
                 "Prometheus rule files to evaluate (glob, repeatable; reloaded on SIGHUP and "
                 "POST /-/reload)");
  AddDurationOption(&app, "--rules.evaluation-interval", &config.rules_evaluation_interval_ns,
                    "How often a rule group without `interval` is evaluated (Prometheus's "
                    "global evaluation_interval)");
  AddDurationOption(&app, "--rules.resend-delay", &config.rules_resend_delay_ns,
                    "Minimum time between two sends of a firing alert to the notification "
                    "pipeline (Prometheus's --rules.alert.resend-delay)");
  app.add_option("--web.external-url", config.external_url,
                 "The URL users reach vigied at, for links in alerts (default: "
                 "http://<--http-listen's host, or the host name for a wildcard>:<bound port>)");

  // The file goes first so that flags given on the command line override it.
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--config") config_file = argv[i + 1];
  }
  if (!config_file.empty()) {
    std::vector<std::string> file_args = {argv[0]};
    try {
      YAML::Node root = YAML::LoadFile(config_file);
      for (const auto& kv : root) {
        std::string key = kv.first.as<std::string>();
        std::replace(key.begin(), key.end(), '_', '-');
        if (kv.second.IsScalar()) {
          std::string value = kv.second.as<std::string>();
          if (value == "true" || value == "false") {
            if (value == "true") file_args.push_back("--" + key);
          } else {
            file_args.push_back("--" + key);
            file_args.push_back(value);
          }
        } else {
          return absl::InvalidArgumentError(
              StrCat(config_file, ": key \"", key, "\" must be a single value"));
        }
      }
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(StrCat("cannot read config ", config_file, ": ", e.what()));
    }
    std::vector<std::string> reversed(file_args.rbegin(), file_args.rend() - 1);
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError& e) {
      return absl::InvalidArgumentError(StrCat(config_file, ": ", FlagErrorMessage(e, "vigied")));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return absl::CancelledError(app.help());
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(FlagErrorMessage(e, "vigied"));
  }
  if (l.stream_idle_ns <= 0) return absl::InvalidArgumentError("--stream-idle-timeout must be > 0");
  // Nothing is accepted that retention would delete at once.
  if (l.reject_older_than_ns == 0) l.reject_older_than_ns = config.retention_ns;
  if (config.retention_ns > 0 && l.reject_older_than_ns > config.retention_ns) {
    return absl::InvalidArgumentError(StrCat(
        "--reject-older-than ", FormatDuration(l.reject_older_than_ns), " is beyond --retention ",
        FormatDuration(config.retention_ns), ": entries would be accepted, then deleted"));
  }
  if (config.partition_ns < 60LL * 1'000'000'000) {
    return absl::InvalidArgumentError(StrCat("--partition ", FormatDuration(config.partition_ns),
                                             " is too narrow: it must be at least 1m"));
  }
  if (config.query_threads < 1) {
    return absl::InvalidArgumentError(
        StrCat("--query-threads ", config.query_threads, ": a query needs at least 1 thread"));
  }
  if (promql_timeout_ns <= 0 || lookback_ns <= 0) {
    return absl::InvalidArgumentError("--promql-timeout and --promql-lookback-delta must be > 0");
  }
  if (deploy_window_ns <= 0) {
    return absl::InvalidArgumentError("--deploys.correlation-window must be > 0");
  }
  config.deploys.window_ms = deploy_window_ns / kNanosPerMilli;
  for (const auto* names : {&config.deploys.service_labels, &config.deploys.environment_labels}) {
    for (const std::string& name : *names) {
      if (!IsValidLabelName(name)) {
        return absl::InvalidArgumentError(StrCat(
            "--deploys.", names == &config.deploys.service_labels ? "service" : "environment",
            "-labels: \"", name, "\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"));
      }
    }
  }
  p.timeout_ms = promql_timeout_ns / kNanosPerMilli;
  p.lookback_ms = lookback_ns / kNanosPerMilli;
  p.threads = config.query_threads;
  if (config.rules_evaluation_interval_ns < 1'000'000 || config.rules_resend_delay_ns < 0) {
    return absl::InvalidArgumentError(
        "--rules.evaluation-interval must be at least 1ms and --rules.resend-delay >= 0");
  }
  if (!token_file.empty()) {
    if (absl::Status st = LoadTokenFile(token_file, &config.tokens); !st.ok()) return st;
  }
  if (config.tls.enabled() != !config.tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  return config;
}

}  // namespace vigie::server
