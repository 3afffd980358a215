// Notifications shared by the notify tests: the issue's seed story (a 404 spike on front, four
// minutes after deploy front#67).
#pragma once

#include "alerts/alert.h"
#include "common/time.h"

namespace vigie::alerts::notify {

// 2026-12-06T20:41:00Z
inline constexpr int64_t kOnsetMs = 1796589660000;

inline Alert SpikeAlert(std::string severity = "page") {
  Alert alert;
  alert.labels = *LabelSet::Make(
      {{"alertname", "Http404Spike"}, {"service", "front"}, {"severity", std::move(severity)}});
  alert.annotations = {{"summary", "312 404s per minute on front"},
                       {"description", "Clients get <404> & retry"},
                       {"runbook_url", "https://wiki/404"}};
  alert.starts_at_ms = kOnsetMs;
  alert.ends_at_ms = kOnsetMs + 3600'000;  // As Prometheus sends a firing alert.
  alert.generator_url = "http://vigie:9470/graph?g0.expr=x";
  Deploy deploy;
  deploy.id = "d67";
  deploy.service = "front";
  deploy.environment = "prod";
  deploy.version = "67";
  deploy.commit = "3f2c1ab";
  deploy.author = "Jane Doe";
  deploy.time_ms = kOnsetMs - 4 * 60'000;
  alert.deploys = {deploy};
  return alert;
}

inline Notification SpikeNotification(std::vector<Alert> alerts = {SpikeAlert()}) {
  Notification n;
  n.receiver = "dev";
  n.group_key = R"({}/{deploy_correlated="true"}:{alertname="Http404Spike", service="front"})";
  n.group_labels = *LabelSet::Make({{"alertname", "Http404Spike"}, {"service", "front"}});
  n.alerts = std::move(alerts);
  n.external_url = "http://vigie:9470";
  return n;
}

}  // namespace vigie::alerts::notify
