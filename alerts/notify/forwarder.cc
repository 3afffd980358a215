#include "alerts/notify/forwarder.h"

#include <spdlog/spdlog.h>

#include "alerts/notify/render.h"
#include "common/strings.h"

namespace vigie::alerts::notify {

nlohmann::ordered_json AlertmanagerAlertsJson(const std::vector<Alert>& alerts) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Alert& alert : alerts) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const Label& label : alert.labels.labels()) labels[label.name] = label.value;
    nlohmann::ordered_json item = {{"labels", std::move(labels)},
                                   {"annotations", alert.annotations}};
    if (alert.starts_at_ms != 0) item["startsAt"] = GoTime(alert.starts_at_ms);
    if (alert.ends_at_ms != 0) item["endsAt"] = GoTime(alert.ends_at_ms);
    item["generatorURL"] = alert.generator_url;
    out.push_back(std::move(item));
  }
  return out;
}

AlertmanagerForwarder::AlertmanagerForwarder(std::vector<std::string> urls, HttpSender* sender,
                                             OutboxMetrics* metrics, ForwarderOptions options)
    : sender_(sender), metrics_(metrics), options_(options) {
  for (std::string& url : urls) {
    while (url.ends_with("/")) url.pop_back();
    if (!url.ends_with("/api/v2/alerts")) url += "/api/v2/alerts";
    urls_.push_back(std::move(url));
  }
  thread_ = std::thread([this] { Run(); });
}

AlertmanagerForwarder::~AlertmanagerForwarder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AlertmanagerForwarder::Notify(std::vector<Alert> alerts) {
  if (alerts.empty() || urls_.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (Alert& alert : alerts) queue_.push_back(std::move(alert));
    size_t dropped = 0;
    while (queue_.size() > options_.queue_capacity) {  // As Prometheus: the oldest go first.
      queue_.pop_front();
      ++dropped;
    }
    if (dropped > 0 && metrics_) metrics_->ForwardDropped(static_cast<double>(dropped));
    if (metrics_) metrics_->SetForwardQueue(static_cast<double>(queue_.size()));
  }
  wake_.notify_all();
}

void AlertmanagerForwarder::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::vector<Alert> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (metrics_) metrics_->SetForwardQueue(static_cast<double>(queue_.size()));
    lock.unlock();
    HttpRequest request;
    request.body = AlertmanagerAlertsJson(batch).dump(
        -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    request.headers = {{"Content-Type", "application/json"}};
    for (const std::string& url : urls_) {
      request.url = url;
      HttpResult result = sender_->Send(request);
      if (result.status >= 200 && result.status < 300) {
        if (metrics_) metrics_->ForwardSent(url, static_cast<double>(batch.size()));
        continue;
      }
      if (metrics_) metrics_->ForwardError(url);
      spdlog::warn("forwarding {} alert(s) to {}: {}", batch.size(), url,
                   result.status == 0 ? result.error : StrCat("HTTP ", result.status));
    }
    lock.lock();
  }
}

}  // namespace vigie::alerts::notify
