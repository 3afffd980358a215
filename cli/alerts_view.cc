#include "cli/alerts_view.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::cli {
namespace {

using Json = nlohmann::json;

std::string Str(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const Json& v = object[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// Milliseconds of an RFC 3339 time; 0 when it is not one.
int64_t TimeMs(const std::string& text) {
  absl::StatusOr<int64_t> ns = ParseTime(text);
  return ns.ok() ? *ns / kNanosPerMilli : 0;
}

std::string LabelText(const std::map<std::string, std::string>& labels,
                      std::initializer_list<std::string_view> hidden) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (std::find(hidden.begin(), hidden.end(), name) != hidden.end()) continue;
    if (!out.empty()) out += ",";
    out += StrCat(name, "=", value);
  }
  return out.empty() ? "-" : out;
}

std::map<std::string, std::string> StringMap(const Json& object) {
  std::map<std::string, std::string> out;
  if (object.is_object()) {
    for (const auto& [k, v] : object.items())
      out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

// "v67 (3f2c1ab) by alice, 4 min before": the deploy annotations of an active alert.
std::string DeployAnnotations(const Json& annotations) {
  std::string version = Str(annotations, "deploy_version");
  if (version.empty()) return "-";
  std::string out = version;
  if (std::string commit = Str(annotations, "deploy_commit"); !commit.empty()) {
    out += StrCat(" (", commit, ")");
  }
  if (std::string author = Str(annotations, "deploy_author"); !author.empty()) {
    out += StrCat(" by ", author);
  }
  if (std::string minutes = Str(annotations, "deploy_minutes_before"); !minutes.empty()) {
    out += StrCat(", ", minutes, " min before");
  }
  return out;
}

// "front#67 (3f2c1ab) by alice, 4m before" for a deploy of /api/v1/deploys.
std::string DeployLine(const Json& deploy, int64_t onset_ms) {
  if (deploy.is_null()) return "-";
  std::string out = StrCat(Str(deploy, "service"), "#", Str(deploy, "version"));
  if (std::string commit = Str(deploy, "commit"); !commit.empty()) out += StrCat(" (", commit, ")");
  if (std::string author = Str(deploy, "author"); !author.empty()) out += StrCat(" by ", author);
  return StrCat(out, ", ", ShortDuration(onset_ms - TimeMs(Str(deploy, "time"))), " before");
}

// RFC 3339 to the second (history rows are to the step, a second at best).
std::string Rfc3339Seconds(int64_t ms) {
  std::string text = FormatRfc3339Nano(ms / 1000 * 1000 * kNanosPerMilli);
  size_t dot = text.find('.');
  return dot == std::string::npos ? text : text.substr(0, dot) + "Z";
}

}  // namespace

std::string ShortDuration(int64_t ms) {
  if (ms < 0) ms = 0;
  int64_t s = ms / 1000;
  if (s < 60) return StrCat(s, "s");
  if (s < 3600) return s % 60 ? StrCat(s / 60, "m", s % 60, "s") : StrCat(s / 60, "m");
  if (s < 86400)
    return s / 60 % 60 ? StrCat(s / 3600, "h", s / 60 % 60, "m") : StrCat(s / 3600, "h");
  return s / 3600 % 24 ? StrCat(s / 86400, "d", s / 3600 % 24, "h") : StrCat(s / 86400, "d");
}

Rows ActiveAlertRows(const Json& alerts, int64_t now_ms) {
  std::vector<const Json*> sorted;
  if (alerts.is_array()) {
    for (const Json& a : alerts) sorted.push_back(&a);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const Json* a, const Json* b) {
    bool a_firing = Str(*a, "state") == "firing", b_firing = Str(*b, "state") == "firing";
    if (a_firing != b_firing) return a_firing;
    return TimeMs(Str(*a, "activeAt")) > TimeMs(Str(*b, "activeAt"));
  });
  Rows rows = {{"ALERT", "STATE", "VALUE", "SINCE", "LABELS", "DEPLOY"}};
  for (const Json* a : sorted) {
    std::map<std::string, std::string> labels = StringMap((*a).value("labels", Json::object()));
    int64_t active_ms = TimeMs(Str(*a, "activeAt"));
    rows.push_back({labels["alertname"], Str(*a, "state"), Str(*a, "value"),
                    active_ms ? ShortDuration(now_ms - active_ms) + " ago" : "-",
                    LabelText(labels, {"alertname", "deploy_correlated"}),
                    DeployAnnotations((*a).value("annotations", Json::object()))});
  }
  return rows;
}

std::vector<Firing> FiringsFromMatrix(const Json& matrix, int64_t step_ms, int64_t end_ms) {
  std::vector<Firing> out;
  if (!matrix.is_array()) return out;
  for (const Json& series : matrix) {
    std::map<std::string, std::string> labels = StringMap(series.value("metric", Json::object()));
    labels.erase("__name__");
    labels.erase("alertstate");
    std::optional<Firing> run;
    for (const Json& point : series.value("values", Json::array())) {
      if (!point.is_array() || point.empty() || !point[0].is_number()) continue;
      int64_t t = std::llround(point[0].get<double>() * 1000);
      if (run && t - run->end_ms > step_ms) {
        out.push_back(*run);
        run.reset();
      }
      if (!run) run = Firing{labels, t, t};
      run->end_ms = t;
    }
    if (run) {
      run->ongoing = run->end_ms + step_ms > end_ms;
      out.push_back(*run);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Firing& a, const Firing& b) { return a.start_ms > b.start_ms; });
  return out;
}

void AttachDeploys(const Json& deploys, std::vector<Firing>* firings) {
  for (Firing& f : *firings) {
    std::string service = f.labels.count("service") ? f.labels["service"] : f.labels["job"];
    if (service.empty() || !deploys.is_array()) continue;
    int64_t best_ms = 0;
    for (const Json& d : deploys) {
      int64_t t = TimeMs(Str(d, "time"));
      if (Str(d, "service") == service && t <= f.start_ms && t >= best_ms) {
        best_ms = t;
        f.deploy = d;
      }
    }
  }
}

Rows HistoryRows(const std::vector<Firing>& firings) {
  Rows rows = {{"STARTED", "ALERT", "LASTED", "LABELS", "DEPLOY BEFORE"}};
  for (const Firing& f : firings) {
    std::string lasted = ShortDuration(f.end_ms - f.start_ms);
    if (f.ongoing) lasted += " (firing)";
    auto labels = f.labels;
    rows.push_back({Rfc3339Seconds(f.start_ms), labels["alertname"], lasted,
                    LabelText(f.labels, {"alertname", "deploy_correlated"}),
                    DeployLine(f.deploy, f.start_ms)});
  }
  return rows;
}

Json HistoryJson(const std::vector<Firing>& firings) {
  Json out = Json::array();
  for (const Firing& f : firings) {
    out.push_back({{"labels", f.labels},
                   {"started", FormatRfc3339Nano(f.start_ms * kNanosPerMilli)},
                   {"last_seen", FormatRfc3339Nano(f.end_ms * kNanosPerMilli)},
                   {"seconds", (f.end_ms - f.start_ms) / 1000.0},
                   {"ongoing", f.ongoing},
                   {"deploy", f.deploy}});
  }
  return out;
}

Rows FailedRows(const Json& notifications) {
  Rows rows = {{"CREATED", "RECEIVER", "INTEGRATION", "ATTEMPTS", "STATUS", "ERROR", "GROUP"}};
  if (!notifications.is_array()) return rows;
  for (const Json& n : notifications) {
    rows.push_back({Str(n, "created"), Str(n, "receiver"), Str(n, "integration"),
                    Str(n, "attempts"), Str(n, "status_code"), Str(n, "last_error"),
                    Str(n, "group_key")});
  }
  return rows;
}

}  // namespace vigie::cli
