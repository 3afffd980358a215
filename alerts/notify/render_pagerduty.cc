// PagerDuty's Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/),
// as Alertmanager's pagerduty_configs send it: one event per notification, a trigger while any
// alert fires and a resolve once all have, deduplicated by the hash of the group key.
#include <set>

#include "alerts/notify/render.h"
#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

// PagerDuty's severities from the alerts' common severity label; "error" (Alertmanager's
// default) for anything else.
std::string SeverityFor(const Notification& n) {
  std::string label = CommonSeverity(n.alerts);
  if (label == "critical" || label == "page") return "critical";
  if (label == "warning" || label == "ticket") return "warning";
  if (label == "info" || label == "none") return "info";
  return "error";
}

// Alertmanager's __text_alert_list: labels, annotations and source of each alert, plus vigie's
// deploy line.
std::string AlertList(const std::vector<const Alert*>& alerts) {
  std::string out;
  for (const Alert* alert : alerts) {
    out += "Labels:\n";
    for (const Label& label : alert->labels.labels()) {
      StrAppend(&out, " - ", label.name, " = ", label.value, "\n");
    }
    out += "Annotations:\n";
    for (const auto& [name, value] : alert->annotations) {
      StrAppend(&out, " - ", name, " = ", value, "\n");
    }
    StrAppend(&out, "Source: ", alert->generator_url, "\n", DeployLine(*alert), "\n");
  }
  return out;
}

constexpr size_t kMaxSummaryBytes = 1024;  // PagerDuty's limit; Alertmanager truncates too.

std::string Truncate(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max - 3;  // Room for "...", on a UTF-8 boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

}  // namespace

OrderedJson PagerDutyPayload(const PagerDutyConfig& config, const Notification& n, int64_t now_ms) {
  bool resolved = GroupStatus(n, now_ms) == "resolved";
  std::string client = config.client.empty() ? "vigie" : config.client;
  std::string client_url = config.client_url.empty() ? n.external_url : config.client_url;

  OrderedJson details = OrderedJson::object();
  if (config.details.empty()) {
    std::vector<const Alert*> firing, done;
    for (const Alert& alert : n.alerts)
      (alert.ResolvedAt(now_ms) ? done : firing).push_back(&alert);
    details["firing"] = AlertList(firing);
    details["resolved"] = AlertList(done);
    details["num_firing"] = std::to_string(firing.size());
    details["num_resolved"] = std::to_string(done.size());
  } else {
    for (const auto& [key, value] : config.details) details[key] = value;
  }

  OrderedJson payload = {
      {"summary", Truncate(config.description.empty() ? Subject(n, now_ms) : config.description,
                           kMaxSummaryBytes)},
      {"source", config.source.empty() ? client : config.source},
      {"severity", config.severity.empty() ? SeverityFor(n) : config.severity}};
  for (auto [key, value] : {std::pair{"class", &config.class_name},
                            {"component", &config.component},
                            {"group", &config.group}}) {
    if (!value->empty()) payload[key] = *value;
  }
  payload["custom_details"] = std::move(details);

  OrderedJson links = OrderedJson::array();
  for (const PagerDutyLink& link : config.links) {
    links.push_back({{"href", link.href}, {"text", link.text}});
  }
  std::set<std::string> runbooks;  // Each runbook once, however many alerts name it.
  for (const Alert& alert : n.alerts) {
    auto it = alert.annotations.find("runbook_url");
    if (it != alert.annotations.end() && runbooks.insert(it->second).second) {
      links.push_back({{"href", it->second}, {"text", "Runbook"}});
    }
  }

  OrderedJson message = {{"routing_key", config.routing_key},
                         {"dedup_key", GroupKeyHash(n.group_key)},
                         {"event_action", resolved ? "resolve" : "trigger"},
                         {"payload", std::move(payload)}};
  if (!client.empty()) message["client"] = client;
  if (!client_url.empty()) message["client_url"] = client_url;
  if (!links.empty()) message["links"] = std::move(links);
  return message;
}

}  // namespace vigie::alerts::notify
