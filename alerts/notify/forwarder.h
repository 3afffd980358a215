// Forwarding the rules' alerts to external Alertmanagers, as Prometheus's notifier does: the
// alerts handed to Notify() are queued in memory (bounded; the oldest are dropped when full) and
// a sender thread POSTs them in batches to each Alertmanager's /api/v2/alerts. Not durable: the
// rules resend every active alert at each evaluation (at most every resend delay), so an
// Alertmanager that missed a batch, or a restart of vigied, is caught up by the next one.
//
// Thread safety: Notify() may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert.h"
#include "alerts/notify/http_sender.h"
#include "alerts/notify/outbox_metrics.h"
#include "nlohmann/json.hpp"

namespace vigie::alerts::notify {

struct ForwarderOptions {
  size_t queue_capacity = 10000;  // Prometheus's --alertmanager.notification-queue-capacity.
  size_t max_batch = 256;         // Alerts per POST, as Prometheus.
};

class AlertmanagerForwarder {
 public:
  // `urls`: each Alertmanager's base URL (http://host:9093, or with a path prefix); /api/v2/alerts
  // is appended unless already there. `sender` and `metrics` (nullable) must outlive this.
  // Starts the sender thread.
  AlertmanagerForwarder(std::vector<std::string> urls, HttpSender* sender, OutboxMetrics* metrics,
                        ForwarderOptions options = {});
  ~AlertmanagerForwarder();  // Stops the thread; what is still queued is dropped.

  // Queues `alerts` for every Alertmanager; never blocks on the network. A NotifyFunc.
  void Notify(std::vector<Alert> alerts);

 private:
  void Run();

  std::vector<std::string> urls_;
  HttpSender* const sender_;
  OutboxMetrics* const metrics_;
  const ForwarderOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Alert> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// The body Prometheus POSTs to /api/v2/alerts: [{labels, annotations, startsAt, endsAt,
// generatorURL}, ...].
nlohmann::ordered_json AlertmanagerAlertsJson(const std::vector<Alert>& alerts);

}  // namespace vigie::alerts::notify
