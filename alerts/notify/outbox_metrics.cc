#include "alerts/notify/outbox_metrics.h"

namespace vigie::alerts::notify {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

prometheus::Labels Of(std::string_view receiver, std::string_view integration) {
  return {{"receiver", std::string(receiver)}, {"integration", std::string(integration)}};
}

}  // namespace

OutboxMetrics::OutboxMetrics(prometheus::Registry& registry)
    : sent_(BuildCounter()
                .Name("vigie_notifications_sent_total")
                .Help("Notifications a receiver acknowledged with a 2xx.")
                .Register(registry)),
      retried_(BuildCounter()
                   .Name("vigie_notifications_retried_total")
                   .Help("Notification attempts refused with 5xx or 429, or not answered, and "
                         "retried.")
                   .Register(registry)),
      failed_(BuildCounter()
                  .Name("vigie_notifications_failed_total")
                  .Help("Notifications moved to the dead-letter list (4xx, or retried too long).")
                  .Register(registry)),
      queued_(BuildGauge()
                  .Name("vigie_notifications_queued")
                  .Help("Notifications written to the outbox and not yet acknowledged.")
                  .Register(registry)),
      oldest_age_(BuildGauge()
                      .Name("vigie_notifications_oldest_queued_age_seconds")
                      .Help("Age of the oldest queued notification; 0 when none is queued.")
                      .Register(registry)),
      forward_sent_(BuildCounter()
                        .Name("vigie_alertmanager_alerts_sent_total")
                        .Help("Alerts forwarded to an external Alertmanager (--alertmanager.url).")
                        .Register(registry)),
      forward_errors_(BuildCounter()
                          .Name("vigie_alertmanager_errors_total")
                          .Help("Batches of alerts an external Alertmanager did not accept.")
                          .Register(registry)),
      forward_dropped_(BuildCounter()
                           .Name("vigie_alertmanager_alerts_dropped_total")
                           .Help("Alerts not forwarded because the forwarding queue was full.")
                           .Register(registry)
                           .Add({})),
      forward_queue_(BuildGauge()
                         .Name("vigie_alertmanager_queue_length")
                         .Help("Alerts waiting to be forwarded to the external Alertmanagers.")
                         .Register(registry)
                         .Add({})) {}

void OutboxMetrics::Sent(std::string_view receiver, std::string_view integration) {
  sent_.Add(Of(receiver, integration)).Increment();
}

void OutboxMetrics::Retried(std::string_view receiver, std::string_view integration) {
  retried_.Add(Of(receiver, integration)).Increment();
}

void OutboxMetrics::Failed(std::string_view receiver, std::string_view integration) {
  failed_.Add(Of(receiver, integration)).Increment();
}

void OutboxMetrics::SetQueued(std::string_view receiver, std::string_view integration, double count,
                              double oldest_age_seconds) {
  queued_.Add(Of(receiver, integration)).Set(count);
  oldest_age_.Add(Of(receiver, integration)).Set(oldest_age_seconds);
}

void OutboxMetrics::ForwardSent(std::string_view alertmanager, double alerts) {
  forward_sent_.Add({{"alertmanager", std::string(alertmanager)}}).Increment(alerts);
}

void OutboxMetrics::ForwardError(std::string_view alertmanager) {
  forward_errors_.Add({{"alertmanager", std::string(alertmanager)}}).Increment();
}

void OutboxMetrics::ForwardDropped(double alerts) { forward_dropped_.Increment(alerts); }

void OutboxMetrics::SetForwardQueue(double length) { forward_queue_.Set(length); }

}  // namespace vigie::alerts::notify
