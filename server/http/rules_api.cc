#include "server/http/rules_api.h"

#include <charconv>
#include <cmath>
#include <set>

#include "common/strings.h"
#include "common/time.h"
#include "server/http/json_encode.h"
#include "server/http/prom_json.h"

namespace vigie::server::http {
namespace {

using alerts::rules::AlertInstance;
using alerts::rules::GroupStatus;
using alerts::rules::kNoTime;
using alerts::rules::RuleStatus;
using nlohmann::json;

// Go's time.Time in JSON: RFC 3339 with the fraction's trailing zeros dropped; the zero time
// for "never".
std::string GoTime(int64_t ms) {
  if (ms == kNoTime) return "0001-01-01T00:00:00Z";
  std::string text = FormatRfc3339Nano(ms * 1'000'000);  // ...:05.123000000Z
  size_t dot = text.find('.');
  if (dot == std::string::npos) return text;
  size_t end = text.size() - 1;  // The 'Z'.
  size_t last = end;
  while (last > dot + 1 && text[last - 1] == '0') --last;
  if (last == dot + 1) return text.substr(0, dot) + "Z";
  return text.substr(0, last) + "Z";
}

// Go's strconv.FormatFloat(v, 'e', -1, 64), as Prometheus writes an alert's value.
std::string GoExponent(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  return std::string(buf, end);
}

json StringMap(const std::map<std::string, std::string>& map) {
  json out = json::object();
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

json AlertJson(const AlertInstance& a) {
  json out = {{"labels", LabelsJson(a.OutputLabels())},
              {"annotations", StringMap(a.OutputAnnotations())},
              {"state", AlertStateName(a.state)},
              {"activeAt", GoTime(a.active_at_ms)},
              {"value", GoExponent(a.value)}};
  if (a.keep_firing_since_ms != kNoTime) out["keepFiringSince"] = GoTime(a.keep_firing_since_ms);
  return out;
}

json RuleJson(const RuleStatus& r) {
  const auto& spec = r.spec;
  json out;
  if (spec.is_alert()) {
    json alerts = json::array();
    for (const AlertInstance& a : r.alerts) alerts.push_back(AlertJson(a));
    out = {{"state", AlertStateName(r.state)},
           {"name", spec.alert},
           {"query", spec.expr.canonical},
           {"duration", static_cast<double>(spec.for_ms) / 1000},
           {"keepFiringFor", static_cast<double>(spec.keep_firing_for_ms) / 1000},
           {"labels", StringMap(spec.labels)},
           {"annotations", StringMap(spec.annotations)},
           {"alerts", std::move(alerts)}};
  } else {
    out = {{"name", spec.record}, {"query", spec.expr.canonical}};
    if (!spec.labels.empty()) out["labels"] = StringMap(spec.labels);
  }
  if (spec.anomaly) {
    const alerts::rules::AnomalySpec& a = *spec.anomaly;
    out["anomaly"] = {{"direction", alerts::detectors::DirectionName(a.direction)},
                      {"sensitivity", alerts::detectors::SensitivityName(a.sensitivity)},
                      {"detector", a.detector},
                      {"series", r.anomaly ? r.anomaly->series : 0},
                      {"learning", r.anomaly ? r.anomaly->learning : 0}};
  }
  if (spec.backlog) {
    out["backlog"] = {{"depth", spec.backlog->depth},
                      {"processed", spec.backlog->processed},
                      {"for", static_cast<double>(spec.backlog->window_ms) / 1000}};
  }
  out["health"] = r.health;
  if (!r.last_error.empty()) out["lastError"] = r.last_error;
  out["evaluationTime"] = r.evaluation_seconds;
  out["lastEvaluation"] = GoTime(r.last_evaluation_ms);
  out["type"] = spec.is_alert() ? "alerting" : "recording";
  return out;
}

std::set<std::string> ParamSet(const Request& request, std::string_view name) {
  std::set<std::string> out;
  for (std::string_view v : request.Params(name)) out.emplace(v);
  return out;
}

}  // namespace

Response RulesResponse(const Request& request, const std::vector<GroupStatus>& groups) {
  std::string type(request.Param("type").value_or(""));
  for (char& c : type) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "alert" && type != "record") {
    return PromError(absl::InvalidArgumentError(
        StrCat("not supported value \"", type, "\" for type (use alert or record)")));
  }
  std::set<std::string> names = ParamSet(request, "rule_name[]");
  std::set<std::string> group_names = ParamSet(request, "rule_group[]");
  std::set<std::string> files = ParamSet(request, "file[]");
  bool filtered = !type.empty() || !names.empty() || !group_names.empty() || !files.empty();
  json out = json::array();
  for (const GroupStatus& g : groups) {
    if (!group_names.empty() && !group_names.contains(g.name)) continue;
    if (!files.empty() && !files.contains(g.file)) continue;
    json rules = json::array();
    for (const RuleStatus& r : g.rules) {
      if ((type == "alert" && !r.spec.is_alert()) || (type == "record" && r.spec.is_alert())) {
        continue;
      }
      if (!names.empty() && !names.contains(r.spec.name())) continue;
      rules.push_back(RuleJson(r));
    }
    if (filtered && rules.empty()) continue;
    out.push_back({{"name", g.name},
                   {"file", g.file},
                   {"rules", std::move(rules)},
                   {"interval", static_cast<double>(g.interval_ms) / 1000},
                   {"limit", g.limit},
                   {"evaluationTime", g.evaluation_seconds},
                   {"lastEvaluation", GoTime(g.last_evaluation_ms)}});
  }
  return PromSuccess({{"groups", std::move(out)}});
}

Response AlertsResponse(const std::vector<GroupStatus>& groups) {
  json alerts = json::array();
  for (const GroupStatus& g : groups) {
    for (const RuleStatus& r : g.rules) {
      for (const AlertInstance& a : r.alerts) alerts.push_back(AlertJson(a));
    }
  }
  return PromSuccess({{"alerts", std::move(alerts)}});
}

Response ReloadResponse(const absl::Status& status) {
  // Prometheus answers 200 with an empty body, or 500 with the reason.
  if (status.ok()) return TextResponse(200, "");
  return TextResponse(500, StrCat("failed to reload config: ", status.message(), "\n"));
}

std::vector<HttpEndpoint> RulesEndpoints(RulesApiDeps deps) {
  auto shared = std::make_shared<RulesApiDeps>(std::move(deps));
  std::vector<HttpEndpoint> out;
  out.push_back(
      {"/api/v1/rules", false, {"GET", "POST"}, Scope::kQuery, [shared](const Request& r) {
         return RulesResponse(r, shared->groups());
       }});
  out.push_back({"/api/v1/alerts", false, {"GET"}, Scope::kQuery, [shared](const Request&) {
                   return AlertsResponse(shared->groups());
                 }});
  out.push_back({"/-/reload", false, {"POST", "PUT"}, Scope::kAdmin, [shared](const Request&) {
                   return ReloadResponse(shared->reload());
                 }});
  return out;
}

}  // namespace vigie::server::http
