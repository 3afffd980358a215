#include "alerts/rules/rule_kinds.h"

#include "alerts/rules/backlog.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts::rules {
namespace {

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

}  // namespace

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

}  // namespace vigie::alerts::rules
