// The failure messages of `vigie rules test`, worded and laid out as promtool 2.42 prints them,
// so that a team moving from promtool reads the same diff of expected and actual alerts and
// samples.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/labels.h"

namespace vigie::alerts::rulestest {

// One alert instance as a test compares it: labels (alertname included) and annotations.
struct AlertInstance {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  auto operator<=>(const AlertInstance&) const = default;
};

// One sample of a PromQL result as a test compares it.
struct ResultSample {
  LabelSet labels;
  double value = 0;
};

// `{a="b", c="d"}`, values quoted as Go's strconv.Quote does.
std::string FormatLabelMap(const std::map<std::string, std::string>& labels);

// An alert case that failed: expected and actual firing instances, each sorted.
std::string AlertMismatch(const std::string& group_name, const std::string& alertname,
                          int64_t eval_time_ms, const std::vector<AlertInstance>& expected,
                          const std::vector<AlertInstance>& got);

// A promql_expr_test whose samples differ (each list sorted by labels).
std::string SampleMismatch(const std::string& expr, int64_t eval_time_ms,
                           const std::vector<ResultSample>& expected,
                           const std::vector<ResultSample>& got);

// A promql_expr_test whose expression failed.
std::string ExprError(const std::string& expr, int64_t eval_time_ms, const std::string& error);

// A rule that failed to evaluate at `ts_ms` (which ends the test group).
std::string RuleError(const std::string& rule, int64_t ts_ms, const std::string& error);

// A number as Go's strconv.FormatFloat(v, 'E', -1, 64): 1E+00, 2.5E-01, +Inf, NaN.
std::string FormatFloatE(double value);

}  // namespace vigie::alerts::rulestest
