// Alertmanager 0.25's receiver integrations (the `<kind>_configs` lists of a receiver) and
// whether each sends resolved notifications when its config does not say (send_resolved). The
// dispatcher reads it to know whether a receiver wants resolved notifications at all; notify/
// for the integrations vigie delivers itself.
#pragma once

#include <string_view>

namespace vigie::alerts {

struct IntegrationKind {
  std::string_view list;  // The receiver's key, e.g. "slack_configs".
  bool sends_resolved;    // By default.
};

inline constexpr IntegrationKind kIntegrationKinds[] = {
    {"discord_configs", true}, {"email_configs", false},   {"pagerduty_configs", true},
    {"slack_configs", false},  {"webhook_configs", true},  {"opsgenie_configs", true},
    {"wechat_configs", false}, {"pushover_configs", true}, {"victorops_configs", true},
    {"sns_configs", true},     {"telegram_configs", true}, {"webex_configs", true}};

// The integration listed under `list`, or nullptr when Alertmanager has none of that name.
inline const IntegrationKind* FindIntegrationKind(std::string_view list) {
  for (const IntegrationKind& kind : kIntegrationKinds) {
    if (kind.list == list) return &kind;
  }
  return nullptr;
}

}  // namespace vigie::alerts
