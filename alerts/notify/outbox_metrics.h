// The outbox's and the forwarder's self-observation, on the registry that /metrics serves
// (docs/operations.md lists them).
//
// Thread safety: prometheus-cpp's metrics are safe to update from any thread.
#pragma once

#include <string>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace vigie::alerts::notify {

class OutboxMetrics {
 public:
  // Registers the families on `registry` (not owned; must outlive this object).
  explicit OutboxMetrics(prometheus::Registry& registry);

  // A receiver's 2xx.
  void Sent(std::string_view receiver, std::string_view integration);
  // A retryable refusal (5xx, 429, no answer): the request stays queued.
  void Retried(std::string_view receiver, std::string_view integration);
  // Moved to the dead-letter list.
  void Failed(std::string_view receiver, std::string_view integration);
  void SetQueued(std::string_view receiver, std::string_view integration, double count,
                 double oldest_age_seconds);

  // The forwarder (forwarder.h): alerts sent to an Alertmanager, failed batches, alerts dropped
  // because its queue was full, and the queue's length.
  void ForwardSent(std::string_view alertmanager, double alerts);
  void ForwardError(std::string_view alertmanager);
  void ForwardDropped(double alerts);
  void SetForwardQueue(double length);

 private:
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& retried_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Gauge>& queued_;
  prometheus::Family<prometheus::Gauge>& oldest_age_;
  prometheus::Family<prometheus::Counter>& forward_sent_;
  prometheus::Family<prometheus::Counter>& forward_errors_;
  prometheus::Counter& forward_dropped_;
  prometheus::Gauge& forward_queue_;
};

}  // namespace vigie::alerts::notify
