// Payload renderers: pure functions from a Notification to the HTTP request that delivers it to
// one integration. Formats: Slack's incoming-webhook attachments (which Mattermost accepts as
// they are), Alertmanager's webhook payload version "4" plus `deploys`, and PagerDuty's Events
// API v2. docs/alerts.md ("Receivers") describes what each message says.
//
// `now_ms` decides which alerts are resolved (Alert::ResolvedAt); a renderer is given only the
// alerts its integration sends (send_resolved).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/alert.h"
#include "alerts/notify/http_sender.h"
#include "alerts/notify/receivers.h"
#include "nlohmann/json.hpp"

namespace vigie::alerts::notify {

using OrderedJson = nlohmann::ordered_json;

OrderedJson SlackPayload(const SlackConfig& config, const Notification& n, int64_t now_ms);
// Alertmanager's webhook message; `max_alerts` (when not 0) keeps the first alerts and counts
// the others in truncatedAlerts.
OrderedJson WebhookPayload(const WebhookConfig& config, const Notification& n, int64_t now_ms);
OrderedJson PagerDutyPayload(const PagerDutyConfig& config, const Notification& n, int64_t now_ms);

// The request for `integration`: its URL, the JSON body above, Content-Type, the http_config's
// Authorization and transport. `n` holds the alerts to send (already filtered by send_resolved).
HttpRequest RenderRequest(const Integration& integration, const Notification& n, int64_t now_ms);

// --- Pieces shared by the renderers (render_common.cc), exposed for tests. ---

// "firing" when any alert is firing at now_ms, else "resolved".
std::string_view GroupStatus(const Notification& n, int64_t now_ms);
// "[FIRING:1] Http404Spike — front": the status, the number firing, the alert name, then the
// other group labels' values (sorted by name) after an em dash.
std::string Subject(const Notification& n, int64_t now_ms);
// "since 20:41 UTC, 4 min after deploy front#67 (3f2c1ab) by Jane Doe": the onset and the
// newest correlated deploy ("since 20:41 UTC" alone without one).
std::string DeployLine(const Alert& alert);
// Go's time.Time JSON form (RFC 3339, fraction without trailing zeros): 2026-12-06T20:41:00.5Z.
// 0 gives Go's zero time, 0001-01-01T00:00:00Z, as Alertmanager writes a firing alert's endsAt.
std::string GoTime(int64_t ms);
// Alertmanager's notify.Key.Hash(): the SHA-256 of the group key, hex (PagerDuty's dedup_key).
std::string GroupKeyHash(std::string_view group_key);
// The labels (annotations) all alerts share with the same value.
LabelSet CommonLabels(const std::vector<Alert>& alerts);
std::map<std::string, std::string> CommonAnnotations(const std::vector<Alert>& alerts);
// The `severity` label all alerts share; "" when they differ or have none.
std::string CommonSeverity(const std::vector<Alert>& alerts);

}  // namespace vigie::alerts::notify
