// The runner's semantics of promtool's format, with a fake rule engine: when rules are
// evaluated, what input they see, which evaluation an alert case is checked against, what a
// promql_expr_test reads, and how failures are reported.
#include "alerts/rulestest/runner.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/limits.h"
#include "query/promql/parser.h"
#include "tests/integration/harness.h"

namespace vigie::alerts::rulestest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Every series of `up` whose value is 0 at the last evaluation is a firing "Down" alert whose
// annotation holds the evaluation time; each evaluation records `evaluated_at` = its time.
class FakeEngine : public RuleEngine {
 public:
  FakeEngine(EngineSeams seams, std::vector<int64_t>* evaluations)
      : seams_(std::move(seams)), evaluations_(evaluations) {}

  std::vector<std::pair<std::string, std::string>> Evaluate(int64_t ts_ms) override {
    evaluations_->push_back(ts_ms);
    absl::StatusOr<promql::Value> down = seams_.query(*down_, ts_ms);
    if (!down.ok()) return {{"Down", std::string(down.status().message())}};
    firing_.clear();
    for (const promql::InstantSample& s : down->vector) {
      firing_.push_back(
          {{{"alertname", "Down"}, {"instance", std::string(s.labels.Get("instance"))}},
           {{"at", std::to_string(ts_ms / 1000)}}});
    }
    absl::Status s = seams_.append(
        {{*LabelSet::Make({{"__name__", "evaluated_at"}}), {{ts_ms, ts_ms / 1000.0}}}});
    if (!s.ok()) return {{"record", std::string(s.message())}};
    return {};
  }

  std::vector<AlertInstance> Firing(const std::string& alertname) override {
    return alertname == "Down" ? firing_ : std::vector<AlertInstance>{};
  }

 private:
  EngineSeams seams_;
  promql::ExprPtr down_ = *promql::Parse("up == 0", Limits());
  std::vector<int64_t>* evaluations_;
  std::vector<AlertInstance> firing_;
};

struct Outcome {
  std::vector<std::string> failures;
  std::vector<int64_t> evaluations;
  EngineOptions options;
};

Outcome RunText(const std::string& text, absl::Status load_error = absl::OkStatus()) {
  Outcome run;
  absl::StatusOr<TestFile> file = ParseTestFile("t.yml", text);
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return run;
  run.failures =
      RunTestFile(*file,
                  [&](const EngineOptions& options,
                      const EngineSeams& seams) -> absl::StatusOr<std::unique_ptr<RuleEngine>> {
                    run.options = options;
                    if (!load_error.ok()) return load_error;
                    return std::make_unique<FakeEngine>(seams, &run.evaluations);
                  });
  return run;
}

constexpr const char* kHead = R"(
rule_files: [rules.yml]
evaluation_interval: 1m
group_eval_order: [b]
tests:
  - interval: 30s
    external_labels: {region: eu}
    input_series:
      - series: 'up{instance="a"}'
        values: '1 1 1 1 0 0 0 0 0 0 1'
      - series: 'up{instance="b"}'
        values: '1 _ _ _ 1 1 0'
)";

TEST(RunnerTest, EvaluatesEveryIntervalUpToTheLastEvalTime) {
  Outcome run = RunText(std::string(kHead) + R"(
    alert_rule_test:
      - eval_time: 2m30s
        alertname: Down
        exp_alerts: [{exp_labels: {instance: a}, exp_annotations: {at: "120"}}]
      - eval_time: 3m
        alertname: Down
        exp_alerts:
          - {exp_labels: {instance: a}, exp_annotations: {at: "180"}}
          - {exp_labels: {instance: b}, exp_annotations: {at: "180"}}
      - eval_time: 1m
        alertname: Down
      - eval_time: 1m
        alertname: Other
)");
  EXPECT_THAT(run.failures, ElementsAre());
  EXPECT_THAT(run.evaluations, ElementsAre(0, 60'000, 120'000, 180'000));
  EXPECT_EQ(run.options.default_interval_ms, 30'000);
  EXPECT_EQ(run.options.external_labels.ToString(), R"({region="eu"})");
  EXPECT_THAT(run.options.group_order, ElementsAre("b"));
  EXPECT_EQ(run.options.rule_files.size(), 0u);  // rules.yml does not exist here.
}

TEST(RunnerTest, AlertMismatchIsReportedAsPromtoolDoes) {
  Outcome run = RunText(std::string(kHead) + R"(
    name: g
    alert_rule_test:
      - eval_time: 2m
        alertname: Down
)");
  ASSERT_EQ(run.failures.size(), 1u);
  EXPECT_THAT(run.failures[0], HasSubstr("    name: g,\n    alertname: Down, time: 2m, \n"
                                         "        exp:[], \n        got:[\n"));
}

TEST(RunnerTest, ExpressionsSeeInputAndRecordedSeries) {
  Outcome run = RunText(std::string(kHead) + R"(
    promql_expr_test:
      - expr: evaluated_at
        eval_time: 4m
        exp_samples: [{labels: evaluated_at, value: 240}]
      - expr: up
        eval_time: 1m
        exp_samples: [{labels: 'up{instance="a"}', value: 1}, {labels: 'up{instance="b"}', value: 1}]
      - expr: count(up)
        eval_time: 4m
        exp_samples: [{labels: '{}', value: 3}]
      - expr: 'up{instance="a"} +'
        eval_time: 0s
      - expr: 2 * 3
        eval_time: 0s
        exp_samples: [{labels: '{}', value: 6}]
)");
  ASSERT_EQ(run.failures.size(), 2u);
  EXPECT_THAT(run.failures[0], HasSubstr("    expr: \"count(up)\", time: 4m,\n"
                                         "        exp: {} 3E+00\n        got: {} 2E+00"));
  EXPECT_THAT(run.failures[1],
              HasSubstr("    expr: \"up{instance=\\\"a\\\"} +\", time: 0s, err: "));
}

TEST(RunnerTest, LoadAndRuleErrorsEndTheGroup) {
  Outcome run =
      RunText(std::string(kHead) + "    alert_rule_test: [{eval_time: 1m, alertname: A}]\n",
              absl::InvalidArgumentError("rules.yml:3: group \"g\": bad"));
  EXPECT_THAT(run.failures, ElementsAre("rules.yml:3: group \"g\": bad"));
  EXPECT_TRUE(run.evaluations.empty());
}

TEST(RunnerTest, IntervalZeroPutsEveryValueAtTimeZero) {
  Outcome run = RunText(R"(
tests:
  - input_series:
      - series: 'up{instance="a"}'
        values: '_ 1 0 0'
    promql_expr_test:
      - expr: up
        eval_time: 3m
        exp_samples: [{labels: 'up{instance="a"}', value: 1}]
)");
  EXPECT_THAT(run.failures, ElementsAre());
}

TEST(RunTestFilesTest, PrintsAsPromtool) {
  vigie::testing::TempDir dir;
  std::string good = vigie::testing::WriteFile(dir, "good.yml", "tests: []\n");
  std::string bad = vigie::testing::WriteFile(dir, "bad.yml", "tests: {\n");
  std::ostringstream out, err;
  int code = RunTestFiles(
      {good, bad, dir.path() + "/missing.yml"},
      [](const EngineOptions&, const EngineSeams&) -> absl::StatusOr<std::unique_ptr<RuleEngine>> {
        return absl::InternalError("unused");
      },
      out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out.str(), "Unit Testing:  " + good + "\n  SUCCESS\n\nUnit Testing:  " + bad +
                           "\n\n\nUnit Testing:  " + dir.path() + "/missing.yml\n\n\n");
  EXPECT_THAT(err.str(), HasSubstr("  FAILED:\n" + bad + ":2: not valid YAML"));
  EXPECT_THAT(err.str(), HasSubstr("missing.yml: cannot read the test file"));
}

}  // namespace
}  // namespace vigie::alerts::rulestest
