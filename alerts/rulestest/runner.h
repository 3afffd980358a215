// Runs promtool's rule unit tests (test_file.h) as `promtool test rules` does: for each test
// group, the input series are fed into an in-memory store in virtual time (0, interval, ...),
// the rule groups are evaluated at 0, evaluation_interval, ... up to the latest eval_time, each
// alert_rule_test is checked against the firing alerts after the evaluation at or just before
// its eval_time, and each promql_expr_test is evaluated at the end over the input series and what
// the rules wrote. Failures are worded as promtool words them (report.h).
//
// The rule engine is reached through RuleEngine, created per test group by a RuleEngineFactory
// (rules_engine.h binds vigie's; the tests use a fake), so that this file holds the semantics
// of the format and nothing of the engine.
//
// Thread safety: RunTestFile is reentrant; the objects it creates live for one call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/rulestest/report.h"
#include "alerts/rulestest/test_file.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::alerts::rulestest {

// What the rule engine reads and writes through: an expression (PromQL, or LogQL over no log
// lines: the format has none) evaluated over the test's store at a time, and the store's
// appender (recording rules, ALERTS, ALERTS_FOR_STATE). Valid for one test group.
struct EngineSeams {
  std::function<absl::StatusOr<promql::Value>(const promql::Expr& expr, int64_t ts_ms)> query;
  std::function<absl::Status(std::vector<store::SeriesSamples> series)> append;
};

// The rule groups of one test group, loaded from the test file's rule_files.
class RuleEngine {
 public:
  virtual ~RuleEngine() = default;
  // Evaluates every group once at ts_ms (groups in the order given at creation, rules in file
  // order, each rule seeing what the ones before it wrote). Returns one entry per rule that
  // failed: {rule name, error}.
  virtual std::vector<std::pair<std::string, std::string>> Evaluate(int64_t ts_ms) = 0;
  // The firing (not pending) instances of every alerting rule named `alertname`, in any group.
  virtual std::vector<AlertInstance> Firing(const std::string& alertname) = 0;
};

struct EngineOptions {
  std::vector<std::string> rule_files;
  std::vector<std::string> group_order;  // Groups evaluated first, in this order; then the rest
                                         // in file order.
  int64_t default_interval_ms = 0;       // For groups without `interval` (promtool: the test
                                         // group's input interval).
  LabelSet external_labels;
  std::string external_url;
};

// Loads the rules; fails with the loader's errors (file, line, rule, reason).
using RuleEngineFactory = std::function<absl::StatusOr<std::unique_ptr<RuleEngine>>(
    const EngineOptions& options, const EngineSeams& seams)>;

// Runs every test group of `file`; returns the failures in promtool's wording, empty when all
// passed. A group whose rules fail to load or evaluate contributes that error and stops.
std::vector<std::string> RunTestFile(const TestFile& file, const RuleEngineFactory& engines);

// `promtool test rules FILE...`: for each file, "Unit Testing:  FILE" then "  SUCCESS" on `out`,
// or "  FAILED:" and each failure on `err`; returns 0 when every file passed, 1 otherwise.
int RunTestFiles(const std::vector<std::string>& paths, const RuleEngineFactory& engines,
                 std::ostream& out, std::ostream& err);

}  // namespace vigie::alerts::rulestest
