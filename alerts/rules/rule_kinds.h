// The alerting rule kinds besides `expr:` (docs/alerts.md): `anomaly:` (anomaly_rule.h) and
// `backlog:` (backlog.h), read from a rule's YAML mapping. Internal to the rule file loader.
//
// Thread safety: pure functions (errors go to the caller's ErrorList).
#pragma once

#include <yaml-cpp/yaml.h>

#include "alerts/rules/rule_file.h"
#include "alerts/rules/rule_yaml.h"
#include "common/limits.h"

namespace vigie::alerts::rules {

// `anomaly: {expr, direction, sensitivity, detector}` in `node`: sets rule->expr and
// rule->anomaly, or adds errors naming the field (anomaly.direction: ...) and returns false.
bool ParseAnomaly(const YAML::Node& node, const Limits& limits, RuleSpec* rule, ErrorList* errors);

// `backlog: {depth, processed, for}`: sets rule->backlog and rule->expr (its condition), or adds
// errors naming the field and returns false.
bool ParseBacklog(const YAML::Node& node, const Limits& limits, RuleSpec* rule, ErrorList* errors);

}  // namespace vigie::alerts::rules
