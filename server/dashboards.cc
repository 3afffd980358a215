#include "server/dashboards.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/labels.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::server {

namespace {

constexpr std::string_view kShippedPrefix = "/assets/dashboards/";
constexpr std::string_view kYaml = ".yaml";
constexpr std::string_view kUnits[] = {"",   "short",   "bytes", "s",
                                       "ms", "percent", "ratio", "reqps"};

// Errors carry the line of the node they are about.
struct DashboardError {
  int line;
  std::string message;
};

int LineOf(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

[[noreturn]] void Fail(const YAML::Node& node, std::string message) {
  throw DashboardError{LineOf(node), std::move(message)};
}

void CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> known,
               std::string_view what) {
  if (!node.IsMap()) Fail(node, StrCat(what, " must be a mapping"));
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) StrAppend(&list, list.empty() ? "" : ", ", k);
      Fail(kv.first, StrCat("unknown key \"", EscapeForMessage(key, 64), "\" in ", what,
                            " (known: ", list, ")"));
    }
    if (!seen.insert(key).second) Fail(kv.first, StrCat("\"", key, "\" is given twice"));
  }
}

// A string field; `fallback` when absent, an error when required and absent.
std::string StringField(const YAML::Node& parent, const char* field, std::string_view what,
                        std::optional<std::string> fallback = std::nullopt) {
  YAML::Node node = parent[field];
  if (!node || node.IsNull()) {
    if (fallback) return *fallback;
    Fail(parent, StrCat(what, " has no ", field));
  }
  if (!node.IsScalar()) Fail(node, StrCat(what, ": ", field, " must be a string"));
  if (!IsValidUtf8(node.Scalar())) Fail(node, StrCat(what, ": ", field, " is not valid UTF-8"));
  return node.Scalar();
}

double NumberField(const YAML::Node& node, std::string_view what) {
  double value = 0;
  if (!node.IsScalar() || !ParseNumber(node.Scalar(), &value) || !std::isfinite(value)) {
    Fail(node, StrCat(what, " must be a number"));
  }
  return value;
}

int IntField(const YAML::Node& parent, const char* field, std::string_view what, int fallback,
             int min, int max) {
  YAML::Node node = parent[field];
  if (!node || node.IsNull()) return fallback;
  double value = NumberField(node, StrCat(what, ": ", field));
  if (value != std::floor(value) || value < min || value > max) {
    Fail(node, StrCat(what, ": ", field, " must be a whole number from ", min, " to ", max));
  }
  return static_cast<int>(value);
}

nlohmann::json Variable(const YAML::Node& node, size_t index) {
  std::string what = StrCat("variable ", index + 1);
  CheckKeys(node, {"name", "label", "source", "match", "default"}, what);
  std::string name = StringField(node, "name", what);
  if (!IsValidLabelName(name)) {
    Fail(node["name"], StrCat(what, ": name \"", EscapeForMessage(name, 64),
                              "\" must match [a-zA-Z_][a-zA-Z0-9_]*"));
  }
  std::string label = StringField(node, "label", what, name);
  if (!IsValidLabelName(label)) Fail(node["label"], StrCat(what, ": label is not a label name"));
  std::string source = StringField(node, "source", what, "metrics");
  if (source != "metrics" && source != "logs") {
    Fail(node["source"], StrCat(what, ": source must be metrics or logs"));
  }
  return {{"name", name},
          {"label", label},
          {"source", source},
          {"match", StringField(node, "match", what, "")},
          {"default", StringField(node, "default", what, "")}};
}

nlohmann::json Panel(const YAML::Node& node, size_t index) {
  std::string what = StrCat("panel ", index + 1);
  CheckKeys(node, {"title", "query", "lang", "unit", "width", "height", "thresholds"}, what);
  std::string query = StringField(node, "query", what);
  if (query.empty()) Fail(node["query"], StrCat(what, ": query is empty"));
  std::string lang = StringField(node, "lang", what, "");
  if (!lang.empty() && lang != "promql" && lang != "logql") {
    Fail(node["lang"], StrCat(what, ": lang must be promql or logql (or absent: guessed)"));
  }
  std::string unit = StringField(node, "unit", what, "");
  if (std::find(std::begin(kUnits), std::end(kUnits), unit) == std::end(kUnits)) {
    Fail(node["unit"], StrCat(what, ": unknown unit \"", EscapeForMessage(unit, 32),
                              "\" (short, bytes, s, ms, percent, ratio, reqps)"));
  }
  nlohmann::json thresholds = nlohmann::json::array();
  if (YAML::Node list = node["thresholds"]; list && !list.IsNull()) {
    if (!list.IsSequence()) Fail(list, StrCat(what, ": thresholds must be a list"));
    for (const YAML::Node& t : list) {
      CheckKeys(t, {"value", "color"}, StrCat(what, ": a threshold"));
      if (!t["value"]) Fail(t, StrCat(what, ": a threshold has no value"));
      thresholds.push_back({{"value", NumberField(t["value"], StrCat(what, ": threshold value"))},
                            {"color", StringField(t, "color", what, "#d1242f")}});
    }
  }
  return {{"title", StringField(node, "title", what, query)},
          {"query", query},
          {"lang", lang},
          {"unit", unit},
          {"width", IntField(node, "width", what, 6, 1, 12)},
          {"height", IntField(node, "height", what, 220, 120, 800)},
          {"thresholds", std::move(thresholds)}};
}

nlohmann::json ListOf(const YAML::Node& root, const char* field, size_t max,
                      nlohmann::json (*parse)(const YAML::Node&, size_t)) {
  nlohmann::json out = nlohmann::json::array();
  YAML::Node list = root[field];
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) Fail(list, StrCat(field, " must be a list"));
  if (list.size() > max) Fail(list, StrCat("more than ", max, " ", field));
  for (size_t i = 0; i < list.size(); ++i) out.push_back(parse(list[i], i));
  return out;
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseDashboard(std::string_view yaml) {
  if (yaml.size() > kMaxDashboardBytes) {
    return absl::InvalidArgumentError(
        StrCat("the dashboard is larger than ", kMaxDashboardBytes, " bytes"));
  }
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    CheckKeys(root, {"title", "description", "variables", "panels"}, "a dashboard");
    nlohmann::json panels = ListOf(root, "panels", kMaxDashboardPanels, Panel);
    if (panels.empty()) Fail(root, "a dashboard needs at least one panel");
    return nlohmann::json{
        {"title", StringField(root, "title", "the dashboard")},
        {"description", StringField(root, "description", "the dashboard", "")},
        {"variables", ListOf(root, "variables", kMaxDashboardVariables, Variable)},
        {"panels", std::move(panels)}};
  } catch (const DashboardError& e) {
    return absl::InvalidArgumentError(StrCat("line ", e.line, ": ", e.message));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat("line ", e.mark.is_null() ? 0 : e.mark.line + 1, ": YAML: ", e.msg));
  }
}

absl::StatusOr<std::vector<DashboardFile>> DashboardLibrary::List() const {
  std::vector<DashboardFile> files;
  for (const http::WebAsset& asset : shipped_) {
    if (!asset.path.starts_with(kShippedPrefix) || !asset.path.ends_with(kYaml)) continue;
    std::string_view name = asset.path.substr(kShippedPrefix.size());
    name.remove_suffix(kYaml.size());
    files.push_back({std::string(name), "shipped", std::string(asset.body)});
  }
  if (!folder_.empty()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
      std::string file = entry.path().filename().string();
      if (!entry.is_regular_file() || !file.ends_with(kYaml) || file.size() == kYaml.size()) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      std::string name = file.substr(0, file.size() - kYaml.size());
      std::erase_if(files, [&](const DashboardFile& f) { return f.name == name; });
      files.push_back({std::move(name), folder_, text.str()});
    }
    if (ec) {
      return absl::UnavailableError(
          StrCat("cannot read the dashboards folder ", folder_, ": ", ec.message()));
    }
  }
  std::sort(files.begin(), files.end(),
            [](const DashboardFile& a, const DashboardFile& b) { return a.name < b.name; });
  return files;
}

absl::StatusOr<DashboardFile> DashboardLibrary::Find(std::string_view name) const {
  absl::StatusOr<std::vector<DashboardFile>> files = List();
  if (!files.ok()) return files.status();
  for (DashboardFile& f : *files) {
    if (f.name == name) return std::move(f);
  }
  return absl::NotFoundError(StrCat("no dashboard \"", EscapeForMessage(name, 64), "\""));
}

}  // namespace vigie::server
