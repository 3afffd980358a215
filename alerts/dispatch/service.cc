#include "alerts/dispatch/service.h"

#include <spdlog/spdlog.h>

#include "common/strings.h"

namespace vigie::alerts {

absl::StatusOr<std::pair<std::shared_ptr<const Config>, std::vector<std::function<void()>>>>
DispatchService::Prepare() const {
  std::shared_ptr<const Config> config = DefaultConfig();
  if (!options_.notify_file.empty()) {
    auto loaded = LoadConfigFile(options_.notify_file);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
    if (!config->templates.empty()) {
      spdlog::warn("{}: templates are ignored: vigie renders its own messages (docs/alerts.md)",
                   config->file);
    }
  }
  std::vector<std::function<void()>> installs;
  for (const ConfigPreparer& prepare : options_.preparers) {
    auto install = prepare(*config);
    if (!install.ok()) return install.status();
    installs.push_back(*std::move(install));
  }
  return std::make_pair(std::move(config), std::move(installs));
}

absl::StatusOr<std::unique_ptr<DispatchService>> DispatchService::Start(
    DispatchServiceOptions options) {
  std::unique_ptr<DispatchService> service(new DispatchService());
  service->options_ = std::move(options);
  const Clock* clock = service->options_.clock;
  if (clock == nullptr) {
    service->system_clock_ = std::make_unique<SystemClock>();
    clock = service->system_clock_.get();
  }
  service->started_at_ms_ = clock->NowMs();
  auto prepared = service->Prepare();
  if (!prepared.ok()) return prepared.status();
  for (const auto& install : prepared->second) install();
  auto silences = Silences::Open(service->options_.records, clock);
  if (!silences.ok()) return silences.status();
  service->silences_ = *std::move(silences);
  DispatcherOptions dispatcher_options;
  dispatcher_options.config = prepared->first;
  dispatcher_options.records = service->options_.records;
  dispatcher_options.silences = service->silences_.get();
  dispatcher_options.enqueue = service->options_.enqueue;
  dispatcher_options.clock = clock;
  dispatcher_options.external_url = service->options_.external_url;
  service->dispatcher_ = std::make_unique<Dispatcher>(std::move(dispatcher_options));
  service->dispatcher_->Start();
  if (service->options_.notify_file.empty()) {
    spdlog::info("notifications: no --notify file; alerts are grouped and shown, none is sent");
  }
  return service;
}

absl::Status DispatchService::Reload() {
  std::lock_guard lock(reload_mu_);
  auto prepared = Prepare();
  if (!prepared.ok()) {
    spdlog::error("notify config not reloaded, the running one stays: {}",
                  prepared.status().message());
    return prepared.status();
  }
  for (const auto& install : prepared->second) install();
  dispatcher_->ApplyConfig(prepared->first);
  spdlog::info("notify config reloaded{}",
               options_.notify_file.empty() ? std::string() : " from " + options_.notify_file);
  return absl::OkStatus();
}

}  // namespace vigie::alerts
