// vigied's notification config (--notify FILE): Alertmanager 0.25's file format. This library
// reads `route`, `inhibit_rules`, `time_intervals`/`mute_time_intervals`, `global.resolve_timeout`
// and each receiver's `name`; the receivers' integrations and the rest of `global` belong to
// alerts/notify, which gets the YAML nodes kept here. `templates` are accepted and ignored.
//
// Thread safety: a Config is immutable once loaded; share it as shared_ptr<const Config>.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/dispatch/matcher.h"
#include "alerts/dispatch/time_interval.h"

namespace vigie::alerts {

// A node of the routing tree with its options resolved (inherited from its parent, or
// Alertmanager's defaults at the root).
struct Route {
  std::string receiver;
  std::vector<std::string> group_by;  // Sorted; ignored when group_by_all.
  bool group_by_all = false;          // group_by: ['...']
  int64_t group_wait_ms = 30'000;
  int64_t group_interval_ms = 300'000;
  int64_t repeat_interval_ms = 4 * 3'600'000;
  Matchers matchers;  // match, match_re and matchers together, sorted.
  bool continue_matching = false;
  std::vector<std::string> mute_time_intervals;    // Not inherited (as in Alertmanager).
  std::vector<std::string> active_time_intervals;  // Not inherited.
  std::vector<Route> routes;
  std::string key;  // Alertmanager's route key: the parent's key, "/", the matchers.
  int line = 0;     // In the file, for messages.

  // The routes `labels` goes to: depth first, the first matching child unless it has
  // `continue`; the node itself when no child matches; empty when this node does not match.
  std::vector<const Route*> Match(const LabelSet& labels) const;
  // This node and every descendant, depth first.
  void Walk(const std::function<void(const Route&)>& visit) const;
};

struct InhibitRule {
  Matchers source_matchers;
  Matchers target_matchers;
  std::vector<std::string> equal;
};

struct Receiver {
  std::string name;
  // Whether any integration sends resolved notifications (send_resolved, or the integration's
  // default); decides, as Alertmanager's dedup stage does, whether newly resolved alerts alone
  // are worth a message.
  bool sends_resolved = false;
  // False for a receiver without integrations (a "null" receiver): nothing is enqueued for it.
  bool has_integrations = false;
};

struct Config {
  std::string file;      // Where it was loaded from ("" for the built-in default).
  std::string original;  // The file's text, served by /api/v2/status.
  YAML::Node global;     // The `global` section (null when absent), for alerts/notify.
  int64_t resolve_timeout_ms = 5 * 60'000;
  Route route;
  std::vector<InhibitRule> inhibit_rules;
  TimeIntervals time_intervals;
  std::vector<Receiver> receivers;
  std::vector<std::string> templates;  // Accepted and ignored (vigie renders its own messages).
  YAML::Node receivers_node;           // The `receivers` sequence as written, for alerts/notify.

  const Receiver* FindReceiver(std::string_view name) const;
};

// Parses `text`; errors read "<file>:<line>: <reason>".
absl::StatusOr<std::shared_ptr<const Config>> ParseConfig(std::string_view text,
                                                          std::string_view file);
// Reads and parses `path`.
absl::StatusOr<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path);

// The config vigied runs with when no --notify file is given: one receiver, "default", without
// integrations: alerts are grouped, shown and silenced, and nothing is sent.
std::shared_ptr<const Config> DefaultConfig();

}  // namespace vigie::alerts
