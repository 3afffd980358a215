// The alerts that rules raise and the notification pipeline carries, in Alertmanager's model:
// rules/ produces Alerts and hands them to a NotifyFunc (as Prometheus's rule manager sends to
// Alertmanager); the dispatcher (routing, grouping, silences, inhibition) turns them into
// Notifications; the outbox delivers each Notification to every integration of its receiver.
// Deploys are the events that alerts are correlated with.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/labels.h"
#include "store/records.h"

namespace vigie::alerts {

// One deploy event (vigie deploy, POST /api/v1/deploys, gRPC). Times are Unix milliseconds.
struct Deploy {
  std::string id;  // Assigned by the deploy store; stable.
  std::string service;
  std::string environment;
  std::string version;
  std::string commit;
  std::string author;
  std::string description;
  std::string url;
  int64_t time_ms = 0;
  std::optional<int64_t> end_ms;  // A rollout's end, when it took time.
};

// The text fields of `deploy` (a Deploy or a const Deploy) by the names the APIs, records and
// payloads give them, in that order: one list for every encoder and decoder.
template <typename D>
auto DeployTextFields(D& deploy) {
  using Text = std::conditional_t<std::is_const_v<D>, const std::string, std::string>;
  return std::array<std::pair<std::string_view, Text*>, 8>{{{"id", &deploy.id},
                                                            {"service", &deploy.service},
                                                            {"environment", &deploy.environment},
                                                            {"version", &deploy.version},
                                                            {"commit", &deploy.commit},
                                                            {"author", &deploy.author},
                                                            {"description", &deploy.description},
                                                            {"url", &deploy.url}}};
}

// The deploys of an alert's service in the correlation window before `onset_ms`, newest first.
// Provided by the deploy store (server/ wires it), called by the rule evaluator when an alert
// instance becomes active.
using DeployLookup =
    std::function<std::vector<Deploy>(const LabelSet& alert_labels, int64_t onset_ms)>;

// Alertmanager's fingerprint of a label set (prometheus/common's model.LabelSet.Fingerprint):
// 64-bit FNV-1a over each name and value in name order, each followed by the byte 0xff. The one
// fingerprint vigie shows (API v2 `fingerprint` and `inhibitedBy`, webhook payloads), so that it
// equals what Alertmanager and amtool show for the same labels.
inline uint64_t AlertmanagerFingerprint(const LabelSet& labels) {
  constexpr uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;
  uint64_t hash = kOffset;
  auto add = [&hash](std::string_view bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * kPrime;
    hash = (hash ^ 0xff) * kPrime;
  };
  for (const Label& label : labels.labels()) {
    add(label.name);
    add(label.value);
  }
  return hash;
}

// A fingerprint as Alertmanager prints it (model.Fingerprint.String): 16 hex digits.
inline std::string FingerprintHex(uint64_t fingerprint) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, fingerprint >>= 4) out[i] = "0123456789abcdef"[fingerprint & 15];
  return out;
}

struct Alert {
  LabelSet labels;                                 // Identity: alertname and the rule's labels.
  std::map<std::string, std::string> annotations;  // Rendered templates.
  int64_t starts_at_ms = 0;                        // The onset (when it became active).
  int64_t ends_at_ms = 0;     // When it resolved; while firing, a time in the future (as Prometheus
                              // sends: its last evaluation + 4 × max(interval, resend delay)).
  int64_t updated_at_ms = 0;  // When the sender last sent it.
  std::string generator_url;  // A link to the expression (the UI's graph).
  std::vector<Deploy> deploys;  // The correlated deploys, newest first (DeployLookup).

  uint64_t Fingerprint() const { return AlertmanagerFingerprint(labels); }
  bool ResolvedAt(int64_t now_ms) const { return ends_at_ms != 0 && ends_at_ms <= now_ms; }
};

// Alerts handed to the notification pipeline: new, still firing (resent), or resolved. Must not
// block on delivery; thread-safe.
using NotifyFunc = std::function<void(std::vector<Alert> alerts)>;

// What the dispatcher hands to the outbox: one message to one receiver, for one group.
struct Notification {
  std::string receiver;
  std::string group_key;      // Alertmanager's: the route's path and the group's labels; stable.
  LabelSet group_labels;      // The group_by labels' values.
  std::vector<Alert> alerts;  // Firing and resolved, firing first.
  std::string external_url;   // vigied's URL, for links.
  // Records to write in the same atomic batch as the notification (the dispatcher's
  // notification-log entry, so that a crash cannot keep one without the other). The dispatcher
  // writes them again once the enqueue returns OK, so an outbox that ignores them only widens
  // the window in which a crash repeats a notification.
  std::vector<store::RecordWrite> records;
};

}  // namespace vigie::alerts
