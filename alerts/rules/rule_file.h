// Rule files in Prometheus's format (groups of recording and alerting rules), read with
// yaml-cpp and validated as Prometheus's rulefmt does, with errors that name the file, line,
// group, rule and field: `rules/front.yaml:12: group "front", rule "Http404Spike": expr: ...`.
//
// Thread safety: the functions are pure (LoadRuleFiles reads files); the specs are values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/detectors/detector.h"
#include "alerts/rules/rule_expr.h"
#include "common/limits.h"

namespace vigie::alerts::rules {

// An `anomaly:` rule's settings (docs/alerts.md, "Anomaly rules"): its `expr` is the rule's
// expr, whose series each go through a detector (anomaly_rule.h).
struct AnomalySpec {
  detectors::Direction direction = detectors::Direction::kBoth;
  detectors::Sensitivity sensitivity = detectors::Sensitivity::kMedium;
  std::string detector = std::string(detectors::kDefaultDetector);
  bool operator==(const AnomalySpec& other) const = default;
};

// A `backlog:` rule as written; the rule's expr is its translation (backlog.h).
struct BacklogSpec {
  std::string depth;
  std::string processed;
  int64_t window_ms = 0;  // backlog's `for`.
  bool operator==(const BacklogSpec& other) const = default;
};

// One rule as written. Exactly one of `record` and `alert` is set.
struct RuleSpec {
  int line = 0;  // 1-based line of the rule's first key.
  std::string record;
  std::string alert;
  RuleExpr expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;  // Alerting rules only.
  std::optional<AnomalySpec> anomaly;              // Alerting rules with `anomaly:`.
  std::optional<BacklogSpec> backlog;              // Alerting rules with `backlog:`.

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return is_alert() ? alert : record; }
  // The same rule as written (the expression's text, not its tree).
  bool operator==(const RuleSpec& other) const;
};

struct GroupSpec {
  std::string file;  // The path as the glob expanded it.
  int line = 0;
  std::string name;
  int64_t interval_ms = 0;  // 0: the default (--rules.evaluation-interval).
  int64_t query_offset_ms = 0;
  int64_t limit = 0;  // 0: no limit.
  std::vector<RuleSpec> rules;

  bool operator==(const GroupSpec& other) const;
  // Prometheus's group key: "<file>;<name>".
  std::string Key() const { return file + ";" + name; }
};

// Parses the content of rule file `file`. On error, InvalidArgument whose message lists every
// error found, one per line, each starting "<file>:<line>: ".
absl::StatusOr<std::vector<GroupSpec>> ParseRuleFile(std::string_view file,
                                                     std::string_view content,
                                                     const Limits& limits);

// Reads the files that `patterns` (shell globs, or plain paths) match, sorted and without
// duplicates; a pattern that matches nothing is not an error (as in Prometheus) unless it is a
// plain path. All or nothing: on error, InvalidArgument listing the errors of every file.
absl::StatusOr<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& patterns,
                                                     const Limits& limits);

// The paths that `patterns` match, sorted, without duplicates.
absl::StatusOr<std::vector<std::string>> ExpandRulePatterns(
    const std::vector<std::string>& patterns);

}  // namespace vigie::alerts::rules
