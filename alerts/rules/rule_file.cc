#include "alerts/rules/rule_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "alerts/rules/rule_kinds.h"
#include "alerts/rules/rule_yaml.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"
#include "query/gotemplate/alert_template.h"

namespace vigie::alerts::rules {
namespace {

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
