// What vigied runs from alerts/dispatch, built from its --notify flag: the config (the file, or
// DefaultConfig() without one), the silences, and the dispatcher with its timer thread.
// main.cc builds one, gives notify() to the rules, the dispatcher and silences to the HTTP API,
// and calls Reload() on SIGHUP and POST /-/reload.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/dispatch/dispatcher.h"
#include "alerts/dispatch/silences.h"

namespace vigie::alerts {

// Another part's view of the config (alerts/notify builds its integrations from `receivers`
// and `global`): checks and prepares its state from a new config, and returns the closure that
// installs it, or an error that refuses the config. Installs run only when every preparer
// succeeded, so a config is applied everywhere or nowhere.
using ConfigPreparer = std::function<absl::StatusOr<std::function<void()>>(const Config&)>;

struct DispatchServiceOptions {
  std::string notify_file;                // "": DefaultConfig().
  store::RecordStore* records = nullptr;  // Required, not owned; outlives the service.
  EnqueueFunc enqueue;                    // Required: the outbox.
  std::string external_url;               // vigied's URL, in notifications.
  std::vector<ConfigPreparer> preparers;  // Run on the first load too.
  const Clock* clock = nullptr;           // Null: the system clock.
};

class DispatchService {
 public:
  // Loads the config (errors name file and line), opens the silences, starts the dispatcher.
  static absl::StatusOr<std::unique_ptr<DispatchService>> Start(DispatchServiceOptions options);

  // Re-reads the file. On any error (file:line: reason, or a preparer's) the running config
  // stays and the error is returned.
  absl::Status Reload();

  // For the rules: hands their alerts to the dispatcher.
  NotifyFunc notify() { return dispatcher_->AsNotifyFunc(); }
  Dispatcher* dispatcher() { return dispatcher_.get(); }
  Silences* silences() { return silences_.get(); }
  int64_t started_at_ms() const { return started_at_ms_; }

 private:
  DispatchService() = default;
  // Loads the file (or the default) and runs the preparers; returns the installs to run.
  absl::StatusOr<std::pair<std::shared_ptr<const Config>, std::vector<std::function<void()>>>>
  Prepare() const;

  DispatchServiceOptions options_;
  std::unique_ptr<SystemClock> system_clock_;
  std::unique_ptr<Silences> silences_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::mutex reload_mu_;  // One reload at a time.
  int64_t started_at_ms_ = 0;
};

}  // namespace vigie::alerts
