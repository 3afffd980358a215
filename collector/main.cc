// vigie-collector: the per-host agent. Tails log files and receives syslog, and ships them to
// vigied with no loss and no duplicates. See docs/collector.md.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "collector/collector.h"
#include "collector/config.h"
#include "collector/durable_file.h"
#include "common/flags.h"

namespace {

using vigie::collector::CollectorConfig;

int CheckConfig(const std::string& path) {
  absl::StatusOr<CollectorConfig> config = vigie::collector::LoadConfig(path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 1;
  }
  std::cout << path << ": OK (" << config->files.sources.size() << " file inputs, "
            << config->syslogs.size() << " syslog inputs, " << config->scrapes.size()
            << " scrape inputs, host metrics " << (config->host_metrics ? "on" : "off")
            << ", server " << config->shipper.server << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vigie-collector: tails log files and receives syslog on this host, and ships them to "
      "vigied.\nWithout --config it tails the readable /var/log/*.log, /var/log/syslog and "
      "/var/log/messages and listens for syslog on udp and tcp 127.0.0.1:5514.",
      "vigie-collector"};
  // Flags override the configuration file: they start empty (not given), and --help shows the
  // built-in value each replaces.
  const CollectorConfig defaults;
  std::string config_path, server, token, state_dir, metrics_listen, check_path, ready_file;
  std::string log_level = "info";
  app.add_option("--config", config_path,
                 "YAML configuration file (docs/collector.md); none: the built-in inputs above")
      ->check(CLI::ExistingFile);
  app.add_option("--server", server, "vigied gRPC address host:port")
      ->default_str(defaults.shipper.server);
  app.add_option("--token", token,
                 "Bearer token sent to vigied (scope ingest); also read from $VIGIE_TOKEN "
                 "(none: no authorization header)")
      ->envname("VIGIE_TOKEN");
  app.add_option("--state-dir", state_dir, "Directory for the agent id, checkpoints and spool")
      ->default_str(defaults.state_dir);
  app.add_option("--metrics-listen", metrics_listen,
                 "Address of the /metrics listener (port 0 picks one)")
      ->default_str(defaults.metrics_listen);
  app.add_option("--check-config", check_path,
                 "Check a configuration file, print what it sets up, and exit (0 when valid)");
  app.add_option("--ready-file", ready_file,
                 "Once running, write the bound addresses there as JSON (for scripts and tests)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "vigie-collector: " << vigie::FlagErrorMessage(e, "vigie-collector") << "\n";
    return 2;
  }

  if (!check_path.empty()) return CheckConfig(check_path);

  spdlog::set_default_logger(spdlog::stderr_color_mt("vigie-collector"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  absl::StatusOr<CollectorConfig> config = vigie::collector::DefaultConfig();
  if (!config_path.empty()) config = vigie::collector::LoadConfig(config_path);
  if (!config.ok()) {
    spdlog::error("{}", std::string(config.status().message()));
    return 2;
  }
  if (!server.empty()) config->shipper.server = server;
  if (!token.empty()) config->shipper.token = token;
  if (!state_dir.empty()) config->state_dir = state_dir;
  if (!metrics_listen.empty()) config->metrics_listen = metrics_listen;
  if (absl::Status s = vigie::collector::Validate(*config); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 2;
  }

  // Signals are taken by sigwait() below, not by whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<vigie::collector::Collector>> collector =
      vigie::collector::Collector::Start(*std::move(config));
  if (!collector.ok()) {
    spdlog::error("cannot start: {}", collector.status().ToString());
    return 1;
  }
  if (!ready_file.empty()) {
    absl::Status s = vigie::collector::WriteFileAtomically(ready_file, (*collector)->ReadyJson());
    if (!s.ok()) spdlog::error("cannot write the ready file: {}", s.ToString());
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {}: stopping (up to 5 s to send what is left)", sig);
  (*collector)->Stop(std::chrono::seconds(5));
  return 0;
}
