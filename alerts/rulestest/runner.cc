#include "alerts/rulestest/runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "alerts/rules/group.h"
#include "alerts/rulestest/memory_series.h"
#include "common/limits.h"
#include "common/strings.h"
#include "query/promql/parser.h"
#include "query/promql/selector_source.h"

namespace vigie::alerts::rulestest {
namespace {

// PromQL selectors read the test's store; LogQL's log-range leaves find no log lines.
class StoreSource final : public promql::LeafSource {
 public:
  StoreSource(const store::SeriesQuerier* store, const promql::EngineLimits& limits)
      : selectors_(store, limits) {}

  absl::StatusOr<promql::LeafData> Select(const promql::Leaf& leaf, const promql::StepRange& at,
                                          int64_t lookback_ms, promql::QueryStats* stats) override {
    if (dynamic_cast<const promql::Selector*>(&leaf) == nullptr) {
      return promql::LeafData{{}, /*per_step=*/true};
    }
    return selectors_.Select(leaf, at, lookback_ms, stats);
  }

 private:
  promql::SelectorSource selectors_;
};

// One test group's world: its store in virtual time, fed with the input series up to the time
// being evaluated (promtool's lazy loader), and PromQL over it.
class TestWorld {
 public:
  TestWorld(const TestGroup& group, int64_t evaluation_interval_ms) : group_(group) {
    limits_.default_subquery_step_ms = evaluation_interval_ms;
    next_.resize(group.input_series.size());
  }

  // Appends the input samples with a time <= ts_ms not appended yet. With interval 0 every
  // value falls at time 0 and the first one stays, as in promtool.
  void LoadUntil(int64_t ts_ms) {
    for (size_t i = 0; i < group_.input_series.size(); ++i) {
      const InputSeries& input = group_.input_series[i];
      store::SeriesSamples batch{input.labels, {}};
      for (; next_[i] < input.values.size(); ++next_[i]) {
        int64_t t = static_cast<int64_t>(next_[i]) * group_.interval_ms;
        if (t > ts_ms) break;
        const std::optional<double>& value = input.values[next_[i]];
        bool first_at_t = group_.interval_ms > 0 || batch.samples.empty();
        if (value && first_at_t) batch.samples.push_back({t, *value});
      }
      if (!batch.samples.empty()) store_.Append(batch);
    }
  }

  absl::StatusOr<promql::Value> Evaluate(const promql::Expr& expr, int64_t ts_ms) {
    StoreSource source(&store_, limits_);
    return promql::EvaluateInstant(expr, ts_ms, &source, promql::EvalOptions{limits_, {}});
  }

  // A promql_expr_test's query: an instant vector, or a scalar as one sample without labels.
  absl::StatusOr<promql::Vector> Query(std::string_view text, int64_t ts_ms) {
    absl::StatusOr<promql::ExprPtr> expr = promql::Parse(text, Limits());
    if (!expr.ok()) return expr.status();
    absl::StatusOr<promql::Value> value = Evaluate(**expr, ts_ms);
    if (!value.ok()) return value.status();
    return rules::RuleVector(*std::move(value));
  }

  EngineSeams Seams() {
    return {[this](const promql::Expr& expr, int64_t ts) { return Evaluate(expr, ts); },
            [this](std::vector<store::SeriesSamples> series) {
              for (const store::SeriesSamples& s : series) store_.Append(s);
              return absl::OkStatus();
            }};
  }

 private:
  const TestGroup& group_;
  promql::EngineLimits limits_;
  MemorySeries store_;
  std::vector<size_t> next_;  // Per input series: the next value to append.
};

std::vector<AlertInstance> Expected(const AlertTestCase& test) {
  std::vector<AlertInstance> out;
  for (const ExpectedAlert& a : test.exp_alerts) {
    AlertInstance instance{a.labels, a.annotations};
    instance.labels["alertname"] = test.alertname;
    out.push_back(std::move(instance));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SameSamples(const std::vector<ResultSample>& a, const std::vector<ResultSample>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ResultSample& x, const ResultSample& y) {
                      return x.labels == y.labels && x.value == y.value;  // NaN never equal.
                    });
}

void SortSamples(std::vector<ResultSample>* samples) {
  std::stable_sort(
      samples->begin(), samples->end(),
      [](const ResultSample& a, const ResultSample& b) { return a.labels < b.labels; });
}

void CheckExpr(const PromqlTestCase& test, TestWorld* world, std::vector<std::string>* failures) {
  absl::StatusOr<promql::Vector> got = world->Query(test.expr, test.eval_time_ms);
  if (!got.ok()) {
    failures->push_back(
        ExprError(test.expr, test.eval_time_ms, std::string(got.status().message())));
    return;
  }
  std::vector<ResultSample> expected, actual;
  for (const ExpectedSample& s : test.exp_samples) expected.push_back({s.labels, s.value});
  for (const promql::InstantSample& s : *got) actual.push_back({s.labels, s.value});
  SortSamples(&expected);
  SortSamples(&actual);
  if (!SameSamples(expected, actual)) {
    failures->push_back(SampleMismatch(test.expr, test.eval_time_ms, expected, actual));
  }
}

std::vector<std::string> RunGroup(const TestFile& file, const TestGroup& group,
                                  const RuleEngineFactory& engines) {
  TestWorld world(group, file.evaluation_interval_ms);
  EngineOptions options{file.rule_files, file.group_eval_order, group.interval_ms,
                        group.external_labels, group.external_url};
  absl::StatusOr<std::unique_ptr<RuleEngine>> engine = engines(options, world.Seams());
  if (!engine.ok()) return {std::string(engine.status().message())};

  std::vector<const AlertTestCase*> alert_tests;
  for (const AlertTestCase& t : group.alert_rule_test) alert_tests.push_back(&t);
  std::stable_sort(alert_tests.begin(), alert_tests.end(),
                   [](const AlertTestCase* a, const AlertTestCase* b) {
                     return a->eval_time_ms < b->eval_time_ms;
                   });

  std::vector<std::string> failures;
  const int64_t step = file.evaluation_interval_ms;
  size_t next_alert_test = 0;
  for (int64_t ts = 0; ts <= group.MaxEvalTimeMs(); ts += step) {
    world.LoadUntil(ts);
    std::vector<std::pair<std::string, std::string>> errors = (*engine)->Evaluate(ts);
    for (const auto& [rule, error] : errors) failures.push_back(RuleError(rule, ts, error));
    if (!errors.empty()) return failures;
    // The cases whose eval_time falls in [ts, ts + step) are checked against this evaluation.
    for (; next_alert_test < alert_tests.size() &&
           alert_tests[next_alert_test]->eval_time_ms < ts + step;
         ++next_alert_test) {
      const AlertTestCase& test = *alert_tests[next_alert_test];
      std::vector<AlertInstance> expected = Expected(test);
      std::vector<AlertInstance> got = (*engine)->Firing(test.alertname);
      std::sort(got.begin(), got.end());
      if (expected != got) {
        failures.push_back(
            AlertMismatch(group.name, test.alertname, test.eval_time_ms, expected, got));
      }
    }
  }
  for (const PromqlTestCase& test : group.promql_expr_test) CheckExpr(test, &world, &failures);
  return failures;
}

}  // namespace

std::vector<std::string> RunTestFile(const TestFile& file, const RuleEngineFactory& engines) {
  std::vector<std::string> failures;
  for (const TestGroup& group : file.tests) {
    std::vector<std::string> group_failures = RunGroup(file, group, engines);
    failures.insert(failures.end(), group_failures.begin(), group_failures.end());
  }
  return failures;
}

int RunTestFiles(const std::vector<std::string>& paths, const RuleEngineFactory& engines,
                 std::ostream& out, std::ostream& err) {
  bool failed = false;
  for (const std::string& path : paths) {
    out << "Unit Testing:  " << path << "\n" << std::flush;
    std::vector<std::string> failures;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      failures.push_back(StrCat(path, ": cannot read the test file: ", strerror(errno)));
    } else if (absl::StatusOr<TestFile> file = ParseTestFile(path, text.str()); !file.ok()) {
      failures.push_back(std::string(file.status().message()));
    } else {
      for (const std::string& pattern : file->unmatched_patterns) {
        err << "  WARNING: no file match pattern " << pattern << "\n";
      }
      failures = RunTestFile(*file, engines);
    }
    if (failures.empty()) {
      out << "  SUCCESS\n";
    } else {
      failed = true;
      err << "  FAILED:\n";
      for (const std::string& f : failures) {
        err << f << "\n" << std::flush;
        out << "\n" << std::flush;
      }
    }
    out << "\n" << std::flush;
  }
  return failed ? 1 : 0;
}

}  // namespace vigie::alerts::rulestest
