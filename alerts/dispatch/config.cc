#include "alerts/dispatch/config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "alerts/dispatch/yaml_fields.h"
#include "alerts/integrations.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::alerts {
namespace {

absl::Status CheckLabelName(const YAML::Node& node, const std::string& name) {
  if (!IsValidLabelName(name)) return NodeError(node, StrCat("invalid label name \"", name, "\""));
  return absl::OkStatus();
}

// `matchers:` (strings, each possibly several matchers), `match:` and `match_re:` (maps) under
// the given key names, appended to *out.
absl::Status ReadMatchers(const YAML::Node& parent, const char* matchers_key, const char* match_key,
                          const char* match_re_key, Matchers* out) {
  if (const YAML::Node match = parent[match_key]; match && !match.IsNull()) {
    if (!match.IsMap()) return NodeError(match, StrCat(match_key, " must be a map"));
    for (const auto& kv : match) {
      const std::string& name = kv.first.Scalar();
      if (absl::Status st = CheckLabelName(kv.first, name); !st.ok()) return st;
      auto value = ScalarString(kv.second, match_key);
      if (!value.ok()) return value.status();
      out->push_back(*Matcher::Make(MatchType::kEqual, name, *value));
    }
  }
  if (const YAML::Node match_re = parent[match_re_key]; match_re && !match_re.IsNull()) {
    if (!match_re.IsMap()) return NodeError(match_re, StrCat(match_re_key, " must be a map"));
    for (const auto& kv : match_re) {
      const std::string& name = kv.first.Scalar();
      if (absl::Status st = CheckLabelName(kv.first, name); !st.ok()) return st;
      auto value = ScalarString(kv.second, match_re_key);
      if (!value.ok()) return value.status();
      auto m = Matcher::Make(MatchType::kRegex, name, *value);
      if (!m.ok()) return NodeError(kv.second, StrCat(m.status().message()));
      out->push_back(*std::move(m));
    }
  }
  const YAML::Node list = parent[matchers_key];
  auto texts = StringList(list, matchers_key);
  if (!texts.ok()) return texts.status();
  for (size_t i = 0; i < texts->size(); ++i) {
    auto parsed = ParseMatchers((*texts)[i]);
    if (!parsed.ok()) return NodeError(list[i], StrCat(parsed.status().message()));
    out->insert(out->end(), parsed->begin(), parsed->end());
  }
  return absl::OkStatus();
}

absl::Status ReadRoute(const YAML::Node& node, const Route* parent, Route* route) {
  if (absl::Status st = CheckKeys(node, "route",
                                  {"receiver", "group_by", "match", "match_re", "matchers",
                                   "mute_time_intervals", "active_time_intervals", "continue",
                                   "routes", "group_wait", "group_interval", "repeat_interval"});
      !st.ok()) {
    return st;
  }
  if (parent != nullptr) {
    route->receiver = parent->receiver;
    route->group_by = parent->group_by;
    route->group_by_all = parent->group_by_all;
    route->group_wait_ms = parent->group_wait_ms;
    route->group_interval_ms = parent->group_interval_ms;
    route->repeat_interval_ms = parent->repeat_interval_ms;
  }
  route->line = node.Mark().line + 1;
  if (node["receiver"]) {
    auto receiver = ScalarString(node["receiver"], "receiver");
    if (!receiver.ok()) return receiver.status();
    if (!receiver->empty()) route->receiver = *receiver;
  }
  if (const YAML::Node group_by = node["group_by"]; group_by && !group_by.IsNull()) {
    auto names = StringList(group_by, "group_by");
    if (!names.ok()) return names.status();
    route->group_by.clear();
    route->group_by_all = false;
    std::set<std::string> seen;
    for (size_t i = 0; i < names->size(); ++i) {
      const std::string& name = (*names)[i];
      if (name == "...") {
        route->group_by_all = true;
        continue;
      }
      if (!IsValidLabelName(name)) {
        return NodeError(group_by[i], StrCat("invalid label name \"", name, "\" in group_by list"));
      }
      if (!seen.insert(name).second) {
        return NodeError(group_by[i], StrCat("duplicated label \"", name, "\" in group_by"));
      }
      route->group_by.push_back(name);
    }
    if (route->group_by_all && !route->group_by.empty()) {
      return NodeError(group_by,
                       "cannot have wildcard group_by (`...`) and other other labels at the "
                       "same time");
    }
    std::sort(route->group_by.begin(), route->group_by.end());
  }
  struct Timer {
    const char* name;
    int64_t* out;
    bool may_be_zero;
  };
  for (const Timer& t : {Timer{"group_wait", &route->group_wait_ms, true},
                         Timer{"group_interval", &route->group_interval_ms, false},
                         Timer{"repeat_interval", &route->repeat_interval_ms, false}}) {
    if (!node[t.name]) continue;
    auto ms = DurationMs(node[t.name], t.name);
    if (!ms.ok()) return ms.status();
    if (*ms == 0 && !t.may_be_zero)
      return NodeError(node[t.name], StrCat(t.name, " cannot be zero"));
    *t.out = *ms;
  }
  if (absl::Status st = ReadMatchers(node, "matchers", "match", "match_re", &route->matchers);
      !st.ok()) {
    return st;
  }
  std::sort(route->matchers.begin(), route->matchers.end());
  if (node["continue"]) {
    auto c = Bool(node["continue"], "continue");
    if (!c.ok()) return c.status();
    route->continue_matching = *c;
  }
  for (const char* key : {"mute_time_intervals", "active_time_intervals"}) {
    auto names = StringList(node[key], key);
    if (!names.ok()) return names.status();
    (key[0] == 'm' ? route->mute_time_intervals : route->active_time_intervals) = *names;
  }
  route->key = StrCat(parent ? parent->key + "/" : "", MatchersToString(route->matchers));
  if (const YAML::Node routes = node["routes"]; routes && !routes.IsNull()) {
    if (!routes.IsSequence()) return NodeError(routes, "routes must be a list");
    for (const YAML::Node& child : routes) {
      route->routes.emplace_back();
      if (absl::Status st = ReadRoute(child, route, &route->routes.back()); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

absl::Status ReadInhibitRule(const YAML::Node& node, InhibitRule* rule) {
  if (absl::Status st = CheckKeys(node, "inhibit rule",
                                  {"source_match", "source_match_re", "source_matchers",
                                   "target_match", "target_match_re", "target_matchers", "equal"});
      !st.ok()) {
    return st;
  }
  if (absl::Status st = ReadMatchers(node, "source_matchers", "source_match", "source_match_re",
                                     &rule->source_matchers);
      !st.ok()) {
    return st;
  }
  if (absl::Status st = ReadMatchers(node, "target_matchers", "target_match", "target_match_re",
                                     &rule->target_matchers);
      !st.ok()) {
    return st;
  }
  auto equal = StringList(node["equal"], "equal");
  if (!equal.ok()) return equal.status();
  for (size_t i = 0; i < equal->size(); ++i) {
    if (absl::Status st = CheckLabelName(node["equal"][i], (*equal)[i]); !st.ok()) return st;
  }
  rule->equal = *std::move(equal);
  return absl::OkStatus();
}

absl::Status ReadReceiver(const YAML::Node& node, Receiver* receiver) {
  if (!node.IsMap()) return NodeError(node, "receiver must be a map");
  for (const auto& kv : node) {
    const std::string& key = kv.first.Scalar();
    if (key == "name") continue;
    const IntegrationKind* kind = FindIntegrationKind(key);
    if (!kind) return NodeError(kv.first, StrCat("field ", key, " not found in receiver"));
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsSequence()) return NodeError(kv.second, StrCat(key, " must be a list"));
    for (const YAML::Node& integration : kv.second) {
      receiver->has_integrations = true;
      bool sends = kind->sends_resolved;
      if (integration.IsMap() && integration["send_resolved"]) {
        auto explicit_value = Bool(integration["send_resolved"], "send_resolved");
        if (!explicit_value.ok()) return explicit_value.status();
        sends = *explicit_value;
      }
      receiver->sends_resolved = receiver->sends_resolved || sends;
    }
  }
  auto name = ScalarString(node["name"], "name");
  if (!name.ok()) return name.status();
  if (name->empty()) return NodeError(node, "missing name in receiver");
  receiver->name = *name;
  return absl::OkStatus();
}

absl::Status ReadTimeIntervals(const YAML::Node& list, const char* what, TimeIntervals* out) {
  if (!list || list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) return NodeError(list, StrCat(what, " must be a list"));
  for (const YAML::Node& entry : list) {
    if (absl::Status st = CheckKeys(entry, what, {"name", "time_intervals"}); !st.ok()) return st;
    auto name = ScalarString(entry["name"], "name");
    if (!name.ok()) return name.status();
    if (name->empty()) return NodeError(entry, StrCat("missing name in ", what));
    if (out->contains(*name)) {
      return NodeError(entry, StrCat(what, " \"", *name, "\" is not unique"));
    }
    std::vector<TimePeriod>& periods = (*out)[*name];
    const YAML::Node intervals = entry["time_intervals"];
    if (!intervals || intervals.IsNull()) continue;
    if (!intervals.IsSequence()) return NodeError(intervals, "time_intervals must be a list");
    for (const YAML::Node& period : intervals) {
      auto p = ParseTimePeriod(period);
      if (!p.ok()) return p.status();
      periods.push_back(*std::move(p));
    }
  }
  return absl::OkStatus();
}

// Checks the receivers and time intervals every route names.
absl::Status CheckRouteReferences(const Config& config, const Route& route) {
  absl::Status status;
  route.Walk([&](const Route& r) {
    if (!status.ok()) return;
    auto fail = [&](std::string reason) {
      status = absl::InvalidArgumentError(StrCat("line ", r.line, ": ", reason));
    };
    if (config.FindReceiver(r.receiver) == nullptr) {
      return fail(StrCat("undefined receiver \"", r.receiver, "\" used in route"));
    }
    for (const auto* names : {&r.mute_time_intervals, &r.active_time_intervals}) {
      for (const std::string& name : *names) {
        if (!config.time_intervals.contains(name)) {
          return fail(StrCat("undefined time interval \"", name, "\" used in route"));
        }
      }
    }
  });
  return status;
}

absl::Status ReadConfig(const YAML::Node& root, Config* config) {
  if (root.IsNull()) return absl::InvalidArgumentError("line 1: no routes provided");
  if (absl::Status st = CheckKeys(root, "config",
                                  {"global", "route", "inhibit_rules", "receivers", "templates",
                                   "mute_time_intervals", "time_intervals"});
      !st.ok()) {
    return st;
  }
  if (const YAML::Node global = root["global"]; global && !global.IsNull()) {
    if (!global.IsMap()) return NodeError(global, "global must be a map");
    config->global = global;
    if (global["resolve_timeout"]) {
      auto ms = DurationMs(global["resolve_timeout"], "resolve_timeout");
      if (!ms.ok()) return ms.status();
      config->resolve_timeout_ms = *ms;
    }
  }
  auto templates = StringList(root["templates"], "templates");
  if (!templates.ok()) return templates.status();
  config->templates = *std::move(templates);
  if (const YAML::Node receivers = root["receivers"]; receivers && !receivers.IsNull()) {
    if (!receivers.IsSequence()) return NodeError(receivers, "receivers must be a list");
    config->receivers_node = receivers;
    for (const YAML::Node& node : receivers) {
      Receiver receiver;
      if (absl::Status st = ReadReceiver(node, &receiver); !st.ok()) return st;
      if (config->FindReceiver(receiver.name) != nullptr) {
        return NodeError(node,
                         StrCat("notification config name \"", receiver.name, "\" is not unique"));
      }
      config->receivers.push_back(std::move(receiver));
    }
  }
  if (absl::Status st = ReadTimeIntervals(root["mute_time_intervals"], "mute time interval",
                                          &config->time_intervals);
      !st.ok()) {
    return st;
  }
  if (absl::Status st =
          ReadTimeIntervals(root["time_intervals"], "time interval", &config->time_intervals);
      !st.ok()) {
    return st;
  }
  const YAML::Node route = root["route"];
  if (!route || route.IsNull()) return NodeError(root, "no routes provided");
  if (absl::Status st = ReadRoute(route, nullptr, &config->route); !st.ok()) return st;
  if (config->route.receiver.empty()) {
    return NodeError(route, "root route must specify a default receiver");
  }
  if (!config->route.matchers.empty()) {
    return NodeError(route, "root route must not have any matchers");
  }
  if (!config->route.mute_time_intervals.empty()) {
    return NodeError(route, "root route must not have any mute time intervals");
  }
  if (!config->route.active_time_intervals.empty()) {
    return NodeError(route, "root route must not have any active time intervals");
  }
  if (absl::Status st = CheckRouteReferences(*config, config->route); !st.ok()) return st;
  if (const YAML::Node rules = root["inhibit_rules"]; rules && !rules.IsNull()) {
    if (!rules.IsSequence()) return NodeError(rules, "inhibit_rules must be a list");
    for (const YAML::Node& node : rules) {
      config->inhibit_rules.emplace_back();
      if (absl::Status st = ReadInhibitRule(node, &config->inhibit_rules.back()); !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<const Route*> Route::Match(const LabelSet& labels) const {
  std::vector<const Route*> all;
  if (!MatchesAll(matchers, labels)) return all;
  for (const Route& child : routes) {
    std::vector<const Route*> matches = child.Match(labels);
    bool matched = !matches.empty();
    all.insert(all.end(), matches.begin(), matches.end());
    if (matched && !child.continue_matching) break;
  }
  if (all.empty()) all.push_back(this);
  return all;
}

void Route::Walk(const std::function<void(const Route&)>& visit) const {
  visit(*this);
  for (const Route& child : routes) child.Walk(visit);
}

const Receiver* Config::FindReceiver(std::string_view name) const {
  for (const Receiver& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const Config>> ParseConfig(std::string_view text,
                                                          std::string_view file) {
  // YAML is UTF-8, and Alertmanager's reader refuses anything else; matchers and receivers'
  // texts are printed back, so no byte of the file may be left uninterpretable.
  if (size_t bad = InvalidUtf8Offset(text); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat(file, ":", std::count(text.begin(), text.begin() + bad, '\n') + 1,
               ": the file is not valid UTF-8 (byte ", bad, "): save it as UTF-8"));
  }
  auto config = std::make_shared<Config>();
  config->file = std::string(file);
  config->original = std::string(text);
  absl::Status status;
  try {
    status = ReadConfig(YAML::Load(config->original), config.get());
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat(file, ":", e.mark.line + 1, ": ", e.msg.empty() ? "invalid YAML" : e.msg));
  }
  if (!status.ok()) {
    std::string text = StrCat(status.message());
    std::string_view message = text;
    if (message.starts_with("line ")) message.remove_prefix(5);
    return absl::InvalidArgumentError(StrCat(file, ":", message));
  }
  return std::shared_ptr<const Config>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read notify config ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

std::shared_ptr<const Config> DefaultConfig() {
  static const char kText[] =
      "# vigied's built-in notification config (no --notify file): alerts are grouped,\n"
      "# shown and silenced, and no notification is sent.\n"
      "route:\n"
      "  receiver: default\n"
      "receivers:\n"
      "  - name: default\n";
  return *ParseConfig(kText, "");
}

}  // namespace vigie::alerts
