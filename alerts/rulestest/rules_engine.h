// vigie's rule engine (alerts/rules) behind the runner's RuleEngine seam: the test's rule files
// loaded as vigied loads them, each group evaluated on the test's virtual time through the
// test's query and append seams, nothing persisted or sent.
#pragma once

#include "alerts/rulestest/runner.h"

namespace vigie::alerts::rulestest {

// Loads EngineOptions::rule_files with alerts::rules::LoadRuleFiles (errors name file, line,
// group, rule and field) and builds one rules::Group per group.
RuleEngineFactory VigieRuleEngines();

}  // namespace vigie::alerts::rulestest
