// The reader of promtool's rule unit-test files: every field, defaults, and errors that name
// file, line and field.
#include "alerts/rulestest/test_file.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/series.h"

namespace vigie::alerts::rulestest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseTestFileTest, EveryField) {
  absl::StatusOr<TestFile> file = ParseTestFile("/no/such/dir/t.yml", R"(
rule_files: [rules.yml]
evaluation_interval: 30s
group_eval_order: [b, a]
tests:
  - name: down
    interval: 1m
    external_labels: {region: eu}
    external_url: http://vigie.example
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1+2x2 _ stale -2-1x1'
      - series: up
        values: '1x3'
    alert_rule_test:
      - eval_time: 5m
        alertname: Down
        exp_alerts:
          - exp_labels: {severity: page}
            exp_annotations: {summary: "a is down"}
      - eval_time: 1h30m
        alertname: Down
    promql_expr_test:
      - expr: sum(up)
        eval_time: 4m
        exp_samples:
          - labels: '{job="node"}'
            value: .nan
          - labels: 'x'
            value: 2.5
)");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->evaluation_interval_ms, 30'000);
  EXPECT_THAT(file->group_eval_order, ElementsAre("b", "a"));
  EXPECT_THAT(file->unmatched_patterns, ElementsAre("/no/such/dir/rules.yml"));
  ASSERT_EQ(file->tests.size(), 1u);
  const TestGroup& g = file->tests[0];
  EXPECT_EQ(g.name, "down");
  EXPECT_EQ(g.interval_ms, 60'000);
  EXPECT_EQ(g.external_labels.ToString(), R"({region="eu"})");
  EXPECT_EQ(g.external_url, "http://vigie.example");
  ASSERT_EQ(g.input_series.size(), 2u);
  EXPECT_EQ(g.input_series[0].line, 11);
  EXPECT_EQ(g.input_series[0].labels.ToString(), R"({__name__="up", instance="a", job="node"})");
  const auto& v = g.input_series[0].values;
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(*v[0], 1);
  EXPECT_EQ(*v[2], 5);
  EXPECT_FALSE(v[3].has_value());
  EXPECT_TRUE(store::IsStaleNaN(*v[4]));
  EXPECT_EQ(*v[6], -3);
  EXPECT_EQ(g.input_series[1].values.size(), 4u);
  ASSERT_EQ(g.alert_rule_test.size(), 2u);
  EXPECT_EQ(g.alert_rule_test[0].eval_time_ms, 300'000);
  EXPECT_EQ(g.alert_rule_test[0].exp_alerts[0].labels.at("severity"), "page");
  EXPECT_EQ(g.alert_rule_test[0].exp_alerts[0].annotations.at("summary"), "a is down");
  EXPECT_TRUE(g.alert_rule_test[1].exp_alerts.empty());
  EXPECT_EQ(g.MaxEvalTimeMs(), 5'400'000);
  ASSERT_EQ(g.promql_expr_test.size(), 1u);
  EXPECT_TRUE(std::isnan(g.promql_expr_test[0].exp_samples[0].value));
  EXPECT_EQ(g.promql_expr_test[0].exp_samples[1].labels.ToString(), R"({__name__="x"})");
}

TEST(ParseTestFileTest, Defaults) {
  absl::StatusOr<TestFile> file = ParseTestFile("t.yml", "tests:\n  - input_series: []\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->evaluation_interval_ms, 60'000);
  EXPECT_EQ(file->tests[0].interval_ms, 0);  // promtool 2.42: every value at time 0.
}

std::string Error(const std::string& text) {
  absl::StatusOr<TestFile> file = ParseTestFile("dir/t.yml", text);
  return file.ok() ? "ok" : std::string(file.status().message());
}

TEST(ParseTestFileTest, ErrorsNameFileLineAndField) {
  EXPECT_EQ(Error("rule_files: [a]\nevaluation_intervall: 1m\n"),
            "dir/t.yml:2: evaluation_intervall: unknown field; known fields: rule_files, "
            "evaluation_interval, group_eval_order, tests");
  EXPECT_THAT(Error("tests:\n  - interval: 1m\n    input_series:\n      - series: up\n"
                    "        values: '1 2 3y'\n"),
              HasSubstr("dir/t.yml:5: tests[0].input_series[0].values: bad series value \"3y\""));
  EXPECT_THAT(Error("tests:\n  - input_series:\n      - series: 'up{a=1}'\n"),
              HasSubstr("dir/t.yml:3: tests[0].input_series[0].series: expected label=\"value\""));
  EXPECT_THAT(Error("tests:\n  - alert_rule_test:\n      - eval_time: 5x\n        alertname: A\n"),
              HasSubstr("dir/t.yml:3: tests[0].alert_rule_test[0].eval_time: \"5x\" is not a "
                        "duration"));
  EXPECT_THAT(Error("tests:\n  - alert_rule_test:\n      - eval_time: 5m\n"),
              HasSubstr("dir/t.yml:3: tests[0].alert_rule_test[0]: alertname is required"));
  EXPECT_THAT(Error("tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n"
                    "          - {labels: up, value: one}\n"),
              HasSubstr("dir/t.yml:5: tests[0].promql_expr_test[0].exp_samples[0].value: \"one\" "
                        "is not a number"));
  EXPECT_THAT(Error("tests: [\n"), HasSubstr("dir/t.yml:2: not valid YAML"));
  EXPECT_THAT(Error("group_eval_order: [a, a]\n"),
              HasSubstr("group name repeated in evaluation order: a"));
}

}  // namespace
}  // namespace vigie::alerts::rulestest
