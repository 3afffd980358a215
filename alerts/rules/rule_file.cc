#include "alerts/rules/rule_file.h"

#include <fmt/format.h>
#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "alerts/rules/backlog.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"
#include "query/gotemplate/alert_template.h"

namespace vigie::alerts::rules {
namespace {

// `text` on one line, valid UTF-8: control characters become escapes (a YAML value may span
// lines; each error is one line).
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : ValidUtf8(text)) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

int LineOf(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

// Collects errors with their place: the file, and the group and rule being read.
class ErrorList {
 public:
  explicit ErrorList(std::string_view file) : file_(file) {}

  void SetGroup(std::string_view group) { group_ = EscapeForMessage(group, 256), rule_.clear(); }
  void SetRule(std::string rule) { rule_ = std::move(rule); }

  void Add(int line, std::string_view message) {
    std::string place = StrCat(file_, ":", line, ": ");
    if (group_) StrAppend(&place, "group \"", *group_, "\"");
    if (group_ && !rule_.empty()) StrAppend(&place, ", rule ", rule_);
    if (group_) place += ": ";
    errors_.push_back(place + OneLine(message));
  }
  void ClearGroup() { group_.reset(), rule_.clear(); }

  bool empty() const { return errors_.empty(); }
  absl::Status ToStatus() const {
    std::string all;
    for (const std::string& e : errors_) StrAppend(&all, all.empty() ? "" : "\n", e);
    return absl::InvalidArgumentError(all);
  }

 private:
  std::string file_;
  std::optional<std::string> group_;
  std::string rule_;
  std::vector<std::string> errors_;
};

// The keys of mapping `node` after checking that each is one of `known` and appears once.
// Errors go to `errors`; `what` names the mapping ("a group").
bool CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> known,
               std::string_view what, ErrorList* errors) {
  if (!node.IsMap()) {
    errors->Add(LineOf(node), StrCat(what, " must be a mapping"));
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) StrAppend(&list, list.empty() ? "" : ", ", k);
      errors->Add(LineOf(kv.first),
                  StrCat("unknown field \"", key, "\" in ", what, " (its fields: ", list, ")"));
    } else if (!seen.insert(key).second) {
      errors->Add(LineOf(kv.first), StrCat("field \"", key, "\" is given twice"));
    }
  }
  return true;
}

// A scalar field's text; false (with an error) when the node is not a scalar.
bool ScalarOf(const YAML::Node& node, std::string_view field, std::string* out, ErrorList* errors) {
  if (!node.IsScalar()) {
    errors->Add(LineOf(node), StrCat(field, ": must be a single value"));
    return false;
  }
  *out = node.Scalar();
  return true;
}

// A Prometheus duration field ("30s", "5m", "1h30m"); 0 when absent.
int64_t DurationOf(const YAML::Node& parent, std::string_view field, ErrorList* errors) {
  YAML::Node node = parent[std::string(field)];
  std::string text;
  if (!node || node.IsNull() || !ScalarOf(node, field, &text, errors)) return 0;
  auto ns = ParseDuration(text);
  if (!ns.ok() || *ns < 0) {
    errors->Add(LineOf(node), StrCat(field, ": \"", text,
                                     "\" is not a duration (write it as 30s, 5m, 1h30m, 2d)"));
    return 0;
  }
  return *ns / 1'000'000;
}

// labels: or annotations: as a map of strings, names checked as Prometheus checks them.
std::map<std::string, std::string> StringMapOf(const YAML::Node& parent, std::string_view field,
                                               bool annotations, ErrorList* errors) {
  std::map<std::string, std::string> out;
  YAML::Node node = parent[std::string(field)];
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) {
    errors->Add(LineOf(node), StrCat(field, ": must be a mapping of names to values"));
    return out;
  }
  std::string_view kind = annotations ? "annotation" : "label";
  for (const auto& kv : node) {
    std::string name = kv.first.Scalar();
    std::string value;
    if (!ScalarOf(kv.second, StrCat(field, ".", name), &value, errors)) continue;
    if (!IsValidLabelName(name) || (!annotations && name == "__name__")) {
      errors->Add(LineOf(kv.first),
                  StrCat(field, ": invalid ", kind, " name \"", EscapeForMessage(name),
                         "\" (names match [a-zA-Z_][a-zA-Z0-9_]*)"));
    } else if (!IsValidUtf8(value)) {
      errors->Add(LineOf(kv.second),
                  StrCat(field, ": invalid ", kind, " value for \"", name, "\": not valid UTF-8"));
    } else if (!out.emplace(name, value).second) {
      errors->Add(LineOf(kv.first), StrCat(field, ": \"", name, "\" is given twice"));
    }
    if (auto parsed = gotemplate::AlertTemplate::Parse(value, "check"); !parsed.ok()) {
      errors->Add(LineOf(kv.second), StrCat(field, ".", name, ": ", parsed.status().message()));
    }
  }
  return out;
}

// A rule expression field (`expr`, `anomaly.expr`, `backlog.depth`, ...) of mapping `parent`:
// parsed, or nullopt with an error naming `field`.
std::optional<RuleExpr> ExprField(const YAML::Node& parent, const char* key, std::string_view field,
                                  const Limits& limits, ErrorList* errors) {
  YAML::Node node = parent[key];
  std::string text;
  if (!node || node.IsNull() || (node.IsScalar() && node.Scalar().empty())) {
    errors->Add(LineOf(parent), StrCat(field, ": must be set"));
    return std::nullopt;
  }
  if (!ScalarOf(node, field, &text, errors)) return std::nullopt;
  auto parsed = ParseRuleExpr(text, limits);
  if (!parsed.ok()) {
    errors->Add(LineOf(node), StrCat(field, ": ", parsed.status().message()));
    return std::nullopt;
  }
  return *std::move(parsed);
}

// A choice field of `anomaly:` (direction, sensitivity, detector): `parse` turns its text into
// the value, or an error whose message names the choices.
template <typename T, typename Parse>
void ChoiceField(const YAML::Node& parent, const char* key, Parse parse, T* out,
                 ErrorList* errors) {
  YAML::Node node = parent[key];
  std::string text;
  std::string field = StrCat("anomaly.", key);
  if (!node || node.IsNull() || !ScalarOf(node, field, &text, errors)) return;
  auto value = parse(text);
  if (!value.ok()) {
    errors->Add(LineOf(node), StrCat(field, ": ", value.status().message()));
  } else {
    *out = *std::move(value);
  }
}

// `anomaly: {expr, direction, sensitivity, detector}`: sets rule->expr and rule->anomaly.
bool ParseAnomaly(const YAML::Node& node, const Limits& limits, RuleSpec* rule, ErrorList* errors) {
  if (!CheckKeys(node, {"expr", "direction", "sensitivity", "detector"}, "anomaly", errors)) {
    return false;
  }
  auto expr = ExprField(node, "expr", "anomaly.expr", limits, errors);
  AnomalySpec spec;
  ChoiceField(node, "direction", detectors::ParseDirection, &spec.direction, errors);
  ChoiceField(node, "sensitivity", detectors::ParseSensitivity, &spec.sensitivity, errors);
  ChoiceField(
      node, "detector",
      [](const std::string& name) -> absl::StatusOr<std::string> {
        auto detector = detectors::NewDetector(name);
        if (!detector.ok()) return detector.status();
        return name;
      },
      &spec.detector, errors);
  if (!expr) return false;
  rule->expr = *std::move(expr);
  rule->anomaly = std::move(spec);
  return true;
}

// `backlog: {depth, processed, for}`: sets rule->backlog and rule->expr, its condition.
bool ParseBacklog(const YAML::Node& node, const Limits& limits, RuleSpec* rule, ErrorList* errors) {
  if (!CheckKeys(node, {"depth", "processed", "for"}, "backlog", errors)) return false;
  auto depth = ExprField(node, "depth", "backlog.depth", limits, errors);
  auto processed = ExprField(node, "processed", "backlog.processed", limits, errors);
  BacklogSpec spec;
  std::string window;
  YAML::Node window_node = node["for"];
  if (window_node && !window_node.IsNull() &&
      !ScalarOf(window_node, "backlog.for", &window, errors)) {
    return false;
  }
  auto window_ns = ParseDuration(window);
  if (!window_ns.ok() || *window_ns <= 0) {
    errors->Add(LineOf(window_node ? window_node : node),
                StrCat("backlog.for: \"", window,
                       "\" must be a duration > 0: how long the depth must rise or stay up "
                       "(such as 10m)"));
    return false;
  }
  spec.window_ms = *window_ns / 1'000'000;
  if (!depth || !processed) return false;
  for (const auto& [field, e] :
       {std::pair("backlog.depth", &*depth), std::pair("backlog.processed", &*processed)}) {
    if (e->language != Language::kPromQL) {
      errors->Add(LineOf(node), StrCat(field, ": must be PromQL (a LogQL query was given)"));
      return false;
    }
  }
  spec.depth = depth->text;
  spec.processed = processed->text;
  auto condition = BacklogCondition(*depth, *processed, spec.window_ms);
  auto expr = condition.ok() ? ParseRuleExpr(*condition, limits) : condition.status();
  if (!expr.ok()) {
    errors->Add(LineOf(node), StrCat("backlog: ", expr.status().message()));
    return false;
  }
  rule->expr = *std::move(expr);
  rule->backlog = std::move(spec);
  return true;
}

void ParseRule(const YAML::Node& node, size_t index, const Limits& limits, ErrorList* errors,
               std::vector<RuleSpec>* out) {
  RuleSpec rule;
  rule.line = LineOf(node);
  std::string name;
  if (node.IsMap()) {
    for (const char* key : {"record", "alert"}) {
      if (node[key] && node[key].IsScalar()) name = node[key].Scalar();
    }
  }
  errors->SetRule(name.empty() ? StrCat("#", index + 1)
                               : StrCat("\"", EscapeForMessage(name, 256), "\""));
  if (!CheckKeys(node,
                 {"record", "alert", "expr", "anomaly", "backlog", "for", "keep_firing_for",
                  "labels", "annotations"},
                 "a rule", errors)) {
    return;
  }
  bool ok = true;
  auto text_field = [&](const char* key, std::string* value) {
    if (node[key] && !node[key].IsNull()) ok &= ScalarOf(node[key], key, value, errors);
  };
  std::string expr;
  text_field("record", &rule.record);
  text_field("alert", &rule.alert);
  text_field("expr", &expr);
  rule.for_ms = DurationOf(node, "for", errors);
  rule.keep_firing_for_ms = DurationOf(node, "keep_firing_for", errors);
  rule.labels = StringMapOf(node, "labels", false, errors);
  rule.annotations = StringMapOf(node, "annotations", true, errors);
  int line = rule.line;
  if (!rule.record.empty() && !rule.alert.empty()) {
    errors->Add(line, "only one of 'record' and 'alert' may be set");
    ok = false;
  } else if (rule.record.empty() && rule.alert.empty()) {
    errors->Add(line, "one of 'record' or 'alert' must be set");
    ok = false;
  }
  if (!rule.record.empty()) {
    int record_line = LineOf(node["record"]);
    if (!IsValidMetricName(rule.record)) {
      errors->Add(record_line,
                  StrCat("record: invalid recording rule name \"", EscapeForMessage(rule.record),
                         "\": metric names match [a-zA-Z_:][a-zA-Z0-9_:]*"));
    }
    for (const char* field : {"annotations", "for", "keep_firing_for"}) {
      if (node[field]) {
        errors->Add(LineOf(node[field]), StrCat("invalid field '", field, "' in recording rule"));
      }
    }
  }
  int kinds = !expr.empty() + static_cast<int>(node["anomaly"].IsDefined()) +
              static_cast<int>(node["backlog"].IsDefined());
  if (kinds > 1) {
    errors->Add(line, "only one of 'expr', 'anomaly' and 'backlog' may be set");
    ok = false;
  } else if ((node["anomaly"] || node["backlog"]) && !rule.record.empty()) {
    errors->Add(line, "'anomaly' and 'backlog' make alerting rules: use 'alert', not 'record'");
    ok = false;
  } else if (node["anomaly"]) {
    ok &= ParseAnomaly(node["anomaly"], limits, &rule, errors);
  } else if (node["backlog"]) {
    ok &= ParseBacklog(node["backlog"], limits, &rule, errors);
  } else if (expr.empty()) {
    errors->Add(line, "field 'expr' must be set in rule");
    ok = false;
  } else {
    auto parsed = ParseRuleExpr(expr, limits);
    if (!parsed.ok()) {
      errors->Add(LineOf(node["expr"]), StrCat("expr: ", parsed.status().message()));
      ok = false;
    } else {
      rule.expr = std::move(*parsed);
    }
  }
  if (ok) out->push_back(std::move(rule));
}

void ParseGroup(const YAML::Node& node, std::string_view file, const Limits& limits,
                std::set<std::string>* names, ErrorList* errors, std::vector<GroupSpec>* out) {
  GroupSpec group;
  group.file = std::string(file);
  group.line = LineOf(node);
  if (node.IsMap() && node["name"] && node["name"].IsScalar()) group.name = node["name"].Scalar();
  errors->SetGroup(group.name);
  if (!CheckKeys(node, {"name", "interval", "query_offset", "limit", "rules"}, "a group", errors)) {
    return;
  }
  if (group.name.empty()) {
    errors->Add(group.line, "the group's name must not be empty");
  } else if (!names->insert(group.name).second) {
    errors->Add(LineOf(node["name"]),
                StrCat("group name \"", group.name, "\" is repeated in the same file"));
  }
  group.interval_ms = DurationOf(node, "interval", errors);
  group.query_offset_ms = DurationOf(node, "query_offset", errors);
  if (YAML::Node limit = node["limit"]; limit && !limit.IsNull()) {
    std::string text;
    if (ScalarOf(limit, "limit", &text, errors) &&
        (!ParseNumber(text, &group.limit) || group.limit < 0)) {
      errors->Add(LineOf(limit), StrCat("limit: \"", text, "\" is not a number >= 0"));
    }
  }
  YAML::Node rules = node["rules"];
  if (rules && !rules.IsNull()) {
    if (!rules.IsSequence()) {
      errors->Add(LineOf(rules), "rules: must be a list of rules");
    } else {
      for (size_t i = 0; i < rules.size(); ++i) {
        ParseRule(rules[i], i, limits, errors, &group.rules);
      }
    }
  }
  out->push_back(std::move(group));
}

}  // namespace

bool RuleSpec::operator==(const RuleSpec& o) const {
  return record == o.record && alert == o.alert && expr.text == o.expr.text && for_ms == o.for_ms &&
         keep_firing_for_ms == o.keep_firing_for_ms && labels == o.labels &&
         annotations == o.annotations && anomaly == o.anomaly && backlog == o.backlog;
}

bool GroupSpec::operator==(const GroupSpec& o) const {
  return file == o.file && name == o.name && interval_ms == o.interval_ms &&
         query_offset_ms == o.query_offset_ms && limit == o.limit && rules == o.rules;
}

absl::StatusOr<std::vector<GroupSpec>> ParseRuleFile(std::string_view file,
                                                     std::string_view content,
                                                     const Limits& limits) {
  ErrorList errors(file);
  std::vector<GroupSpec> groups;
  try {
    YAML::Node root = YAML::Load(std::string(content));
    if (!root || root.IsNull()) return groups;  // An empty file has no groups.
    if (CheckKeys(root, {"groups"}, "a rule file", &errors)) {
      YAML::Node list = root["groups"];
      if (list && !list.IsNull() && !list.IsSequence()) {
        errors.Add(LineOf(list), "groups: must be a list of groups");
      } else if (list) {
        std::set<std::string> names;
        for (const auto& g : list) {
          ParseGroup(g, file, limits, &names, &errors, &groups);
          errors.ClearGroup();
        }
      }
    }
  } catch (const YAML::Exception& e) {
    errors.ClearGroup();
    errors.Add(e.mark.is_null() ? 0 : e.mark.line + 1, StrCat("YAML: ", e.msg));
  }
  if (!errors.empty()) return errors.ToStatus();
  return groups;
}

absl::StatusOr<std::vector<std::string>> ExpandRulePatterns(
    const std::vector<std::string>& patterns) {
  std::set<std::string> paths;
  for (const std::string& pattern : patterns) {
    glob_t matches{};
    int rc = glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
    if (rc == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) paths.insert(matches.gl_pathv[i]);
    }
    globfree(&matches);
    bool is_glob = pattern.find_first_of("*?[") != std::string::npos;
    if (rc == GLOB_NOMATCH && !is_glob) {
      return absl::InvalidArgumentError(StrCat(pattern, ": no such rule file"));
    }
    if (rc != 0 && rc != GLOB_NOMATCH) {
      return absl::InvalidArgumentError(StrCat(pattern, ": cannot list the files it matches"));
    }
  }
  return std::vector<std::string>(paths.begin(), paths.end());
}

absl::StatusOr<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& patterns,
                                                     const Limits& limits) {
  auto paths = ExpandRulePatterns(patterns);
  if (!paths.ok()) return paths.status();
  std::vector<GroupSpec> all;
  std::string errors;
  for (const std::string& path : *paths) {
    std::ifstream in(path);
    std::stringstream content;
    if (in.is_open()) content << in.rdbuf();
    if (!in.is_open() || in.bad()) {
      StrAppend(&errors, errors.empty() ? "" : "\n", path, ": cannot read the file");
      continue;
    }
    auto groups = ParseRuleFile(path, content.str(), limits);
    if (!groups.ok()) {
      StrAppend(&errors, errors.empty() ? "" : "\n", groups.status().message());
      continue;
    }
    for (GroupSpec& g : *groups) all.push_back(std::move(g));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(errors);
  return all;
}

}  // namespace vigie::alerts::rules
