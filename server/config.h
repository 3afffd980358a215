// vigied's configuration: defaults that run with no configuration at all, a YAML file
// (--config) whose keys are the flag names with underscores, and flags that override the file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/deploys/deploy_lookup.h"
#include "common/limits.h"
#include "query/promql/engine.h"
#include "server/auth.h"

namespace vigie::server {

struct TlsConfig {
  std::string cert_file;  // PEM; TLS is on for both ports when set.
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};

inline constexpr char kDefaultOtlpHttpListen[] = "127.0.0.1:4318";

struct ServerConfig {
  std::string data_dir = "vigie-data";
  std::string grpc_listen = "127.0.0.1:4317";
  std::string http_listen = "127.0.0.1:9470";
  // OTLP/HTTP's own port (server/otlp/): "" for kDefaultOtlpHttpListen when it is free (vigied
  // starts without it, saying so, when another process holds it), "off" for none.
  std::string otlp_http_listen;
  int64_t retention_ns = 30LL * 86400 * 1'000'000'000;  // 0 keeps everything.
  int64_t partition_ns = 86400LL * 1'000'000'000;
  int64_t out_of_order_window_ns = 600LL * 1'000'000'000;  // Metric samples accepted late.
  bool insecure = false;
  TlsConfig tls;
  std::vector<TokenGrant> tokens;
  std::string ready_file;
  std::string log_level = "info";
  int query_threads = 2;
  int64_t self_metrics_interval_ns = 15LL * 1'000'000'000;  // 0: vigied does not store its own.
  Limits limits;
  promql::EngineLimits promql;  // PromQL queries (Prometheus's API, vigie query).
  // Which deploys an alert follows (--deploys.*).
  alerts::deploys::CorrelationOptions deploys;
  // Rules (alerts/rules): rule file globs, and Prometheus's defaults for their evaluation.
  std::vector<std::string> rule_files;
  int64_t rules_evaluation_interval_ns = 60LL * 1'000'000'000;
  int64_t rules_resend_delay_ns = 60LL * 1'000'000'000;
  std::string external_url;  // How users reach vigied (links in alerts); "" for http://<listen>.
  std::vector<std::string> alertmanager_urls;  // External Alertmanagers the alerts go to too.
  std::string notify_file;     // Alertmanager-format routing and receivers; "": nothing is sent.
  std::string dashboards_dir;  // The web UI's dashboards beside the shipped ones; "": none.
};

// Parses argv. Returns the config, or a status whose message is the help text (code
// kCancelled, for --help) or names the bad flag or file key (InvalidArgument).
absl::StatusOr<ServerConfig> ParseServerConfig(int argc, char** argv);

// Refuses a config that would expose the server without protection: a non-loopback listen
// address with neither tokens nor --insecure.
absl::Status CheckExposure(const ServerConfig& config);

// True for 127.0.0.0/8, ::1 and "localhost" (host part of host:port).
bool IsLoopback(const std::string& listen);

}  // namespace vigie::server
