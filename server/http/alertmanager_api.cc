#include "server/http/alertmanager_api.h"

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "re2/re2.h"
#include "server/http/json_encode.h"

namespace vigie::server {
namespace {

using alerts::Alert;
using alerts::AlertView;
using alerts::Matcher;
using alerts::Matchers;
using http::Request;
using http::Response;
using nlohmann::json;

// The Alertmanager whose API this is: amtool warns when the server's version differs from its own.
constexpr char kApiVersion[] = "0.25.0";

std::string Time(int64_t ms) { return FormatRfc3339Nano(ms * kNanosPerMilli); }

// Alertmanager answers errors with a JSON string.
Response Error(unsigned status, std::string_view message) {
  return http::JsonResponse(json(std::string(message)), status);
}
Response Error(unsigned status, const absl::Status& error) {
  return Error(status, StrCat(error.message()));
}

bool BoolParam(const Request& request, std::string_view name, bool fallback) {
  auto value = request.Param(name);
  if (!value) return fallback;
  return *value == "true" || *value == "1";
}

absl::StatusOr<Matchers> FilterParam(const Request& request) {
  Matchers out;
  for (std::string_view text : request.Params("filter")) {
    auto m = Matcher::Parse(text);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

// The API's filter semantics (matchFilterLabels): an empty value on =/=~ skips absent labels,
// on !=/!~ skips present ones.
bool MatchesFilter(const Matchers& filter, const LabelSet& labels) {
  for (const Matcher& m : filter) {
    bool present = !labels.Get(m.name()).empty();
    bool negative =
        m.type() == alerts::MatchType::kNotEqual || m.type() == alerts::MatchType::kNotRegex;
    if (m.value().empty() && (negative ? present : !present)) continue;
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

json StringMap(const std::map<std::string, std::string>& map) {
  json out = json::object();
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

json AlertJson(const AlertView& view) {
  const Alert& a = view.alert;
  json receivers = json::array();
  for (const std::string& r : view.receivers) receivers.push_back({{"name", r}});
  return {{"annotations", StringMap(a.annotations)},
          {"endsAt", Time(a.ends_at_ms)},
          {"fingerprint", alerts::FingerprintHex(a.Fingerprint())},
          {"receivers", receivers},
          {"startsAt", Time(a.starts_at_ms)},
          {"status",
           {{"inhibitedBy", view.status.inhibited_by},
            {"silencedBy", view.status.silenced_by},
            {"state", view.status.suppressed() ? "suppressed" : "active"}}},
          {"updatedAt", Time(a.updated_at_ms)},
          {"generatorURL", a.generator_url},
          {"labels", http::LabelsJson(a.labels)}};
}

// The silenced/inhibited/active/filter parameters as one predicate.
struct AlertFilter {
  Matchers matchers;
  bool silenced = true, inhibited = true, active = true;
  std::unique_ptr<re2::RE2> receiver;

  static absl::StatusOr<AlertFilter> Parse(const Request& request) {
    AlertFilter f;
    auto matchers = FilterParam(request);
    if (!matchers.ok()) return matchers.status();
    f.matchers = *std::move(matchers);
    f.silenced = BoolParam(request, "silenced", true);
    f.inhibited = BoolParam(request, "inhibited", true);
    f.active = BoolParam(request, "active", true);
    if (auto receiver = request.Param("receiver")) {
      f.receiver = std::make_unique<re2::RE2>(StrCat("^(?:", *receiver, ")$"), re2::RE2::Quiet);
      if (!f.receiver->ok()) {
        return absl::InvalidArgumentError(
            StrCat("failed to parse receiver param: ", f.receiver->error()));
      }
    }
    return f;
  }
  bool Keeps(const AlertView& view) const {
    if (!active && !view.status.suppressed()) return false;
    if (!silenced && !view.status.silenced_by.empty()) return false;
    if (!inhibited && !view.status.inhibited_by.empty()) return false;
    return MatchesFilter(matchers, view.alert.labels);
  }
  bool KeepsReceiver(const std::string& name) const {
    return receiver == nullptr || re2::RE2::FullMatch(name, *receiver);
  }
};

Response GetAlerts(alerts::Dispatcher* dispatcher, const Request& request) {
  auto filter = AlertFilter::Parse(request);
  if (!filter.ok()) return Error(400, filter.status());
  json out = json::array();
  for (const AlertView& view : dispatcher->Alerts()) {
    if (!filter->Keeps(view)) continue;
    if (std::none_of(view.receivers.begin(), view.receivers.end(),
                     [&](const std::string& r) { return filter->KeepsReceiver(r); })) {
      continue;
    }
    out.push_back(AlertJson(view));
  }
  return http::JsonResponse(out);
}

Response GetAlertGroups(alerts::Dispatcher* dispatcher, const Request& request) {
  auto filter = AlertFilter::Parse(request);
  if (!filter.ok()) return Error(400, filter.status());
  json out = json::array();
  for (const alerts::GroupView& group : dispatcher->Groups()) {
    if (!filter->KeepsReceiver(group.receiver)) continue;
    json alerts = json::array();
    for (const AlertView& view : group.alerts) {
      if (filter->Keeps(view)) alerts.push_back(AlertJson(view));
    }
    if (alerts.empty()) continue;
    out.push_back({{"alerts", alerts},
                   {"labels", http::LabelsJson(group.labels)},
                   {"receiver", {{"name", group.receiver}}}});
  }
  return http::JsonResponse(out);
}

absl::StatusOr<int64_t> TimeField(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (!it->is_string())
    return absl::InvalidArgumentError(StrCat(name, " must be a date-time string"));
  auto nanos = ParseTime(it->get<std::string>());
  if (!nanos.ok()) {
    return absl::InvalidArgumentError(StrCat(name, ": ", nanos.status().message()));
  }
  return *nanos / kNanosPerMilli;
}

absl::StatusOr<std::map<std::string, std::string>> StringMapField(const json& object,
                                                                  const char* name) {
  std::map<std::string, std::string> out;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_object()) return absl::InvalidArgumentError(StrCat(name, " must be an object"));
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string())
      return absl::InvalidArgumentError(StrCat(name, ".", k, " must be a string"));
    out[k] = v.get<std::string>();
  }
  return out;
}

absl::StatusOr<Alert> ParsePostableAlert(const json& item) {
  if (!item.is_object()) return absl::InvalidArgumentError("an alert must be an object");
  auto labels = StringMapField(item, "labels");
  if (!labels.ok()) return labels.status();
  std::vector<Label> list;
  for (auto& [k, v] : *labels) list.push_back({k, v});
  auto set = LabelSet::Make(std::move(list));  // Drops empty values, as Alertmanager does.
  if (!set.ok()) return set.status();
  if (set->empty()) return absl::InvalidArgumentError("at least one label pair required");
  Alert a;
  a.labels = *std::move(set);
  auto annotations = StringMapField(item, "annotations");
  if (!annotations.ok()) return annotations.status();
  a.annotations = *std::move(annotations);
  auto starts = TimeField(item, "startsAt");
  if (!starts.ok()) return starts.status();
  auto ends = TimeField(item, "endsAt");
  if (!ends.ok()) return ends.status();
  a.starts_at_ms = *starts;
  a.ends_at_ms = *ends;
  if (a.ends_at_ms != 0 && a.starts_at_ms != 0 && a.ends_at_ms < a.starts_at_ms) {
    return absl::InvalidArgumentError("start time must be before end time");
  }
  if (auto url = item.find("generatorURL"); url != item.end() && url->is_string()) {
    a.generator_url = url->get<std::string>();
  }
  return a;
}

Response PostAlerts(alerts::Dispatcher* dispatcher, const Request& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_array()) return Error(400, "the body must be a JSON array of alerts");
  std::vector<Alert> valid;
  std::string errors;
  for (const json& item : body) {
    auto alert = ParsePostableAlert(item);
    if (!alert.ok()) {
      StrAppend(&errors, errors.empty() ? "" : "; ", alert.status().message());
      continue;
    }
    valid.push_back(*std::move(alert));
  }
  dispatcher->Put(std::move(valid));  // Best effort: the valid ones go in, as in Alertmanager.
  if (!errors.empty()) return Error(400, errors);
  return Response{200, "application/json", ""};
}

json SilenceJson(const alerts::Silence& s, int64_t now_ms) {
  json matchers = json::array();
  for (const Matcher& m : s.matchers) {
    matchers.push_back({{"isEqual", m.is_equal()},
                        {"isRegex", m.is_regex()},
                        {"name", m.name()},
                        {"value", m.value()}});
  }
  return {{"id", s.id},
          {"status", {{"state", alerts::SilenceStateName(alerts::StateAt(s, now_ms))}}},
          {"updatedAt", Time(s.updated_at_ms)},
          {"comment", s.comment},
          {"createdBy", s.created_by},
          {"endsAt", Time(s.ends_at_ms)},
          {"matchers", matchers},
          {"startsAt", Time(s.starts_at_ms)}};
}

Response GetSilences(alerts::Silences* silences, const Request& request) {
  auto filter = FilterParam(request);
  if (!filter.ok()) return Error(400, filter.status());
  int64_t now = NowNanos() / kNanosPerMilli;
  std::vector<alerts::Silence> list = silences->List();
  std::erase_if(list, [&](const alerts::Silence& s) {
    // Alertmanager's filter: every filter matcher appears, identical, among the silence's.
    return !std::all_of(filter->begin(), filter->end(), [&](const Matcher& m) {
      return std::find(s.matchers.begin(), s.matchers.end(), m) != s.matchers.end();
    });
  });
  // Active first (the next to end first), then pending (the next to start), then expired
  // (the latest ended first), as Alertmanager sorts them.
  std::stable_sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
    auto sa = alerts::StateAt(a, now), sb = alerts::StateAt(b, now);
    if (sa != sb) return static_cast<int>(sa) < static_cast<int>(sb);
    switch (sa) {
      case alerts::SilenceState::kActive:
        return a.ends_at_ms < b.ends_at_ms;
      case alerts::SilenceState::kPending:
        return a.starts_at_ms < b.starts_at_ms;
      case alerts::SilenceState::kExpired:
        return a.ends_at_ms > b.ends_at_ms;
    }
    return false;
  });
  json out = json::array();
  for (const alerts::Silence& s : list) out.push_back(SilenceJson(s, now));
  return http::JsonResponse(out);
}

absl::StatusOr<alerts::Silence> ParsePostableSilence(const json& body) {
  if (!body.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  alerts::Silence s;
  if (auto id = body.find("id"); id != body.end() && id->is_string()) s.id = id->get<std::string>();
  auto matchers = body.find("matchers");
  if (matchers == body.end() || !matchers->is_array()) {
    return absl::InvalidArgumentError("matchers must be a list");
  }
  for (const json& m : *matchers) {
    if (!m.is_object() || !m.contains("name") || !m.contains("value") || !m["name"].is_string() ||
        !m["value"].is_string()) {
      return absl::InvalidArgumentError("a matcher needs a name and a value");
    }
    bool is_regex = m.value("isRegex", false), is_equal = m.value("isEqual", true);
    alerts::MatchType type =
        is_regex ? (is_equal ? alerts::MatchType::kRegex : alerts::MatchType::kNotRegex)
                 : (is_equal ? alerts::MatchType::kEqual : alerts::MatchType::kNotEqual);
    auto matcher = Matcher::Make(type, m["name"].get<std::string>(), m["value"].get<std::string>());
    if (!matcher.ok()) return matcher.status();
    s.matchers.push_back(*std::move(matcher));
  }
  auto starts = TimeField(body, "startsAt");
  if (!starts.ok()) return starts.status();
  auto ends = TimeField(body, "endsAt");
  if (!ends.ok()) return ends.status();
  s.starts_at_ms = *starts;
  s.ends_at_ms = *ends;
  s.created_by = body.value("createdBy", "");
  s.comment = body.value("comment", "");
  return s;
}

Response PostSilence(alerts::Silences* silences, const Request& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  auto silence = ParsePostableSilence(body);
  if (!silence.ok()) {
    return Error(400, StrCat("failed to convert API silence to internal silence: ",
                             silence.status().message()));
  }
  if (silence->starts_at_ms >= silence->ends_at_ms) {
    return Error(400, "Failed to create silence: start time must be before end time");
  }
  if (silence->ends_at_ms < NowNanos() / kNanosPerMilli) {
    return Error(400, "Failed to create silence: end time can't be in the past");
  }
  auto id = silences->Set(*std::move(silence));
  if (!id.ok()) return Error(absl::IsNotFound(id.status()) ? 404 : 400, id.status());
  return http::JsonResponse({{"silenceID", *id}});
}

Response SilenceById(alerts::Silences* silences, const Request& request) {
  std::string id =
      http::PercentDecode(request.path.substr(std::string_view("/api/v2/silence/").size()));
  if (request.method == "DELETE") {
    absl::Status st = silences->Expire(id);
    if (!st.ok())
      return Error(500, st);  // Alertmanager's spec has no 404 here: amtool shows 500's.
    return Response{200, "application/json", ""};
  }
  auto silence = silences->Get(id);
  if (!silence) return Error(404, StrCat("silence ", id, " not found"));
  return http::JsonResponse(SilenceJson(*silence, NowNanos() / kNanosPerMilli));
}

Response Status(const AlertmanagerApiDeps& deps) {
  auto config = deps.service->dispatcher()->config();
  return http::JsonResponse({{"cluster", {{"status", "disabled"}, {"peers", json::array()}}},
                             {"config", {{"original", config->original}}},
                             {"uptime", Time(deps.service->started_at_ms())},
                             {"versionInfo",
                              {{"branch", ""},
                               {"buildDate", ""},
                               {"buildUser", ""},
                               {"goVersion", ""},
                               {"revision", deps.version},
                               {"version", kApiVersion}}}});
}

Response Receivers(const AlertmanagerApiDeps& deps) {
  json out = json::array();
  for (const alerts::Receiver& r : deps.service->dispatcher()->config()->receivers) {
    out.push_back({{"name", r.name}});
  }
  return http::JsonResponse(out);
}

}  // namespace

std::vector<HttpEndpoint> AlertmanagerEndpoints(AlertmanagerApiDeps deps) {
  alerts::Dispatcher* dispatcher = deps.service->dispatcher();
  alerts::Silences* silences = deps.service->silences();
  return {
      {"/api/v2/alerts",
       false,
       {"GET"},
       Scope::kQuery,
       [=](const Request& r) { return GetAlerts(dispatcher, r); }},
      {"/api/v2/alerts",
       false,
       {"POST"},
       Scope::kIngest,
       [=](const Request& r) { return PostAlerts(dispatcher, r); }},
      {"/api/v2/alerts/groups",
       false,
       {"GET"},
       Scope::kQuery,
       [=](const Request& r) { return GetAlertGroups(dispatcher, r); }},
      {"/api/v2/silences",
       false,
       {"GET"},
       Scope::kQuery,
       [=](const Request& r) { return GetSilences(silences, r); }},
      {"/api/v2/silences",
       false,
       {"POST"},
       Scope::kAdmin,
       [=](const Request& r) { return PostSilence(silences, r); }},
      {"/api/v2/silence/",
       true,
       {"GET"},
       Scope::kQuery,
       [=](const Request& r) { return SilenceById(silences, r); }},
      {"/api/v2/silence/",
       true,
       {"DELETE"},
       Scope::kAdmin,
       [=](const Request& r) { return SilenceById(silences, r); }},
      {"/api/v2/status",
       false,
       {"GET"},
       Scope::kQuery,
       [=](const Request&) { return Status(deps); }},
      {"/api/v2/receivers",
       false,
       {"GET"},
       Scope::kQuery,
       [=](const Request&) { return Receivers(deps); }},
  };
}

}  // namespace vigie::server
