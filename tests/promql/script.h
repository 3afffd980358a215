// Reads PromQL test scripts in Prometheus's test-script format (tests/promql/testdata/README.md)
// into commands, so that a runner only has to execute them against an evaluator:
//
//   load 5m
//     http_requests{job="api"} 0+10x10 _ stale 5
//   eval instant at 10m rate(http_requests[5m])
//     {job="api"} 0.03333333333333333
//   eval_fail instant at 0 foo + on (a) group_left bar
//     expected_fail_message many-to-many matching not allowed: matching labels must be unique on
//     one side
//   clear
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/promql/series_notation.h"

namespace vigie::promql::script {

// Prometheus's staleness marker, a NaN with a particular payload (0x7ff0000000000002), which
// `stale` in a series stands for.
double StaleNaN();
bool IsStaleNaN(double value);

// One series of a load command: its labels (__name__ included) and a value per step, nullopt
// where the script has `_` (no sample at that step).
struct LoadSeries {
  LabelSet labels;
  std::vector<std::optional<double>> values;
};

// load <step>: value i of each series is a sample at time i * step (from 0).
struct Load {
  int line = 0;
  int64_t step_ns = 0;
  std::vector<LoadSeries> series;
};

// clear: drops every series loaded so far.
struct Clear {
  int line = 0;
};

struct ExpectedSample {
  LabelSet labels;
  double value = 0;
};

// eval instant at <time> <expr>, eval_ordered (the result's order matters, as for sort()) and
// eval_fail (evaluating must fail).
struct Eval {
  int line = 0;
  std::string expr;
  int64_t time_ns = 0;
  bool ordered = false;
  bool fail = false;
  // The expected instant vector, in the script's order; empty also when nothing is expected.
  std::vector<ExpectedSample> samples;
  // Set when the expected result is a scalar (a line with a number alone).
  std::optional<double> scalar;
  // eval_fail only: the error must be this text (expected_fail_message) or match this re2
  // (expected_fail_regexp, unanchored). Both empty: any error.
  std::string fail_message;
  std::string fail_regexp;
};

using Command = std::variant<Load, Clear, Eval>;

// Parses a whole script. Commands are separated by blank lines; lines starting with # are
// comments and count as blank, as in Prometheus; indentation does not matter. Fails with
// InvalidArgument "line N: <what is wrong>" at the first malformed line.
absl::StatusOr<std::vector<Command>> ParseScript(std::string_view text);

// The series notation, shared with promtool's rule unit tests (alerts/rulestest/).
using promql::ExpandItem;
using promql::ParseSeriesLabels;

}  // namespace vigie::promql::script
