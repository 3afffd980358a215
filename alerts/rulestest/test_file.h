// promtool's unit-test file for rules (Prometheus 2.42, `promtool test rules`), read into a
// model that the runner (runner.h) executes:
//
//   rule_files: [rules.yml]            # relative to the test file; globs allowed
//   evaluation_interval: 1m            # default 1m
//   group_eval_order: [g1, g2]         # groups evaluated first, in this order
//   tests:
//     - name: down                     # optional
//       interval: 1m                   # of input_series; 0 (the default) puts every value at 0
//       input_series:
//         - series: 'up{job="node"}'
//           values: '1 1 0x5 _ stale 0+10x3'
//       external_labels: {region: eu}
//       external_url: http://vigie.example
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: InstanceDown
//           exp_alerts: [{exp_labels: {job: node}, exp_annotations: {summary: ...}}]
//       promql_expr_test:
//         - expr: sum(up)
//           eval_time: 4m
//           exp_samples: [{labels: '{job="node"}', value: 1}]
//
// Unknown fields are errors, as with promtool's strict YAML decoding. Thread safety: pure
// functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace vigie::alerts::rulestest {

struct InputSeries {
  int line = 0;  // 1-based, in the test file.
  LabelSet labels;
  std::vector<std::optional<double>> values;  // nullopt: `_`, no sample at that step.
};

struct ExpectedAlert {
  std::map<std::string, std::string> labels;  // Without alertname, which the case names.
  std::map<std::string, std::string> annotations;
};

struct AlertTestCase {
  int line = 0;
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpectedAlert> exp_alerts;
};

struct ExpectedSample {
  LabelSet labels;  // From `labels`, the series notation (`metric{a="b"}`).
  double value = 0;
};

struct PromqlTestCase {
  int line = 0;
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpectedSample> exp_samples;
};

struct TestGroup {
  int line = 0;
  std::string name;
  int64_t interval_ms = 0;
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_rule_test;
  std::vector<PromqlTestCase> promql_expr_test;
  LabelSet external_labels;
  std::string external_url;

  // The latest eval_time of its cases: rules are evaluated from 0 up to it.
  int64_t MaxEvalTimeMs() const;
};

struct TestFile {
  std::string path;
  // rule_files resolved against the test file's directory and globbed, in order.
  std::vector<std::string> rule_files;
  // Patterns of rule_files that matched no file (promtool warns and goes on).
  std::vector<std::string> unmatched_patterns;
  int64_t evaluation_interval_ms = 60'000;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

// Parses `text`, the content of the test file at `path`. Fails with InvalidArgument
// "<path>:<line>: <field>: <what is wrong>" (the field as a path, e.g.
// tests[0].input_series[2].values) at the first error.
absl::StatusOr<TestFile> ParseTestFile(const std::string& path, const std::string& text);

}  // namespace vigie::alerts::rulestest
