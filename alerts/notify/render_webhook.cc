// Alertmanager's webhook message, version "4" (notify/webhook in Alertmanager 0.25), plus
// `deploys`: the deploys the message's alerts follow.
#include <algorithm>
#include <map>

#include "alerts/notify/render.h"

namespace vigie::alerts::notify {
namespace {

OrderedJson LabelsObject(const LabelSet& labels) {
  OrderedJson out = OrderedJson::object();
  for (const Label& label : labels.labels()) out[label.name] = label.value;
  return out;
}

OrderedJson AnnotationsObject(const std::map<std::string, std::string>& annotations) {
  OrderedJson out = OrderedJson::object();
  for (const auto& [name, value] : annotations) out[name] = value;
  return out;
}

// Alertmanager writes the receiver's name through regexp.QuoteMeta.
std::string QuoteMeta(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::string_view(R"(\.+*?()|[]{}^$)").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

OrderedJson DeployObject(const Deploy& deploy, const std::vector<std::string>& fingerprints) {
  OrderedJson out = OrderedJson::object();
  for (const auto& [name, value] : DeployTextFields(deploy)) out[std::string(name)] = *value;
  out["time"] = GoTime(deploy.time_ms);
  if (deploy.end_ms) out["end"] = GoTime(*deploy.end_ms);
  out["fingerprints"] = fingerprints;  // The alerts of this message that follow it.
  return out;
}

}  // namespace

OrderedJson WebhookPayload(const WebhookConfig& config, const Notification& full, int64_t now_ms) {
  const Notification* n = &full;
  Notification truncated;
  size_t dropped = 0;
  if (config.max_alerts > 0 && full.alerts.size() > config.max_alerts) {
    truncated = full;
    truncated.alerts.resize(config.max_alerts);
    dropped = full.alerts.size() - config.max_alerts;
    n = &truncated;
  }
  OrderedJson alerts = OrderedJson::array();
  struct Followed {
    const Deploy* deploy;
    std::vector<std::string> fingerprints;
  };
  std::map<std::string, Followed> followed;  // By id: each deploy once.
  for (const Alert& alert : n->alerts) {
    bool resolved = alert.ResolvedAt(now_ms);
    std::string fingerprint = FingerprintHex(alert.Fingerprint());
    alerts.push_back({{"status", resolved ? "resolved" : "firing"},
                      {"labels", LabelsObject(alert.labels)},
                      {"annotations", AnnotationsObject(alert.annotations)},
                      {"startsAt", GoTime(alert.starts_at_ms)},
                      // As Alertmanager: a firing alert's end is not known yet.
                      {"endsAt", GoTime(resolved ? alert.ends_at_ms : 0)},
                      {"generatorURL", alert.generator_url},
                      {"fingerprint", fingerprint}});
    for (const Deploy& deploy : alert.deploys) {
      std::string key =
          deploy.id.empty() ? deploy.service + "@" + std::to_string(deploy.time_ms) : deploy.id;
      followed.try_emplace(key, Followed{&deploy, {}})
          .first->second.fingerprints.push_back(fingerprint);
    }
  }
  std::vector<const Followed*> newest_first;
  for (const auto& [key, item] : followed) newest_first.push_back(&item);
  std::stable_sort(newest_first.begin(), newest_first.end(), [](const auto* a, const auto* b) {
    return a->deploy->time_ms > b->deploy->time_ms;
  });
  OrderedJson deploys = OrderedJson::array();
  for (const Followed* item : newest_first) {
    deploys.push_back(DeployObject(*item->deploy, item->fingerprints));
  }
  return {{"receiver", QuoteMeta(n->receiver)},
          {"status", GroupStatus(*n, now_ms)},
          {"alerts", std::move(alerts)},
          {"groupLabels", LabelsObject(n->group_labels)},
          {"commonLabels", LabelsObject(CommonLabels(n->alerts))},
          {"commonAnnotations", AnnotationsObject(CommonAnnotations(n->alerts))},
          {"externalURL", n->external_url},
          {"version", "4"},
          {"groupKey", n->group_key},
          {"truncatedAlerts", dropped},
          {"deploys", std::move(deploys)}};
}

}  // namespace vigie::alerts::notify
