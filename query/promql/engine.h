// Evaluation of PromQL expressions with Prometheus's semantics, instant and range, and the seam
// below it: operators, aggregations and functions here know nothing of where series come from.
// Leaves (ast.h) are turned into series by a LeafSource: selector_source.h reads PromQL
// selectors from a store::SeriesQuerier; LogQL's log-range aggregations are another source, so
// LogQL metric queries run on this same evaluator.
//
// Errors are absl::Status values whose code says what kind of failure it is, which the HTTP API
// maps to Prometheus's errorType:
//   InvalidArgument     the query cannot be parsed or type-checked     bad_data   400
//   FailedPrecondition  evaluation failed (many-to-many matching...)    execution  422
//   ResourceExhausted   a limit (samples, series, points) was passed     execution  422
//   DeadlineExceeded    the query timeout passed                         timeout    503
//   Cancelled           the caller gave up                               canceled   499
//   other               storage failed                                   internal   500
// Messages use Prometheus's wording where it has one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/promql/ast.h"
#include "store/series.h"

namespace vigie::promql {

// The samples of one series in a result: for a range query, one point per step at which the
// series has a value; for a range vector, the raw samples of its window.
struct Series {
  LabelSet labels;
  std::vector<store::Sample> points;  // Ascending time.
};
using Matrix = std::vector<Series>;

// One element of an instant vector.
struct InstantSample {
  LabelSet labels;
  int64_t ts_ms = 0;
  double value = 0;
};
using Vector = std::vector<InstantSample>;

// The result of an instant query: its type says which member holds it.
struct Value {
  ValueType type = ValueType::kNone;
  double scalar = 0;   // kScalar, at ts_ms.
  int64_t ts_ms = 0;   // kScalar and kString: the evaluation time.
  std::string string;  // kString.
  Vector vector;       // kVector, in the order the expression defines (sorted by labels unless
                       // sort(), topk() and the like ordered it).
  Matrix matrix;       // kMatrix (a range vector selector or subquery at the top level).
};

// The times a range query is evaluated at: start, start + step, ... <= end (milliseconds).
struct StepRange {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 1;  // > 0; an instant query is start == end.
  size_t steps() const { return static_cast<size_t>((end_ms - start_ms) / step_ms) + 1; }
};

struct EngineLimits {
  int64_t lookback_ms = 5 * 60 * 1000;           // Prometheus's --query.lookback-delta.
  int64_t default_subquery_step_ms = 60 * 1000;  // Prometheus's default evaluation interval.
  uint64_t max_samples = 50'000'000;        // Loaded into memory at once (--query.max-samples).
  uint64_t max_series = 500'000;            // Series a selector may select.
  uint64_t max_points_per_series = 11'000;  // Steps of a range query (Prometheus's 11,000).
  int64_t timeout_ms = 2 * 60 * 1000;       // --query.timeout.
  int threads = 2;                          // Cores a large enough query may use.
};

// Counts of one evaluation, for the API's stats and vigied's metrics.
// Counted by the evaluator's threads at once.
struct QueryStats {
  std::atomic<uint64_t> series_selected{0};
  std::atomic<uint64_t> samples_loaded{0};
};

// What a LeafSource gives for one leaf.
struct LeafData {
  Matrix series;
  // false: raw samples, to which the evaluator applies the lookback (instant vector leaves) or
  // the range window (range vector leaves), as for a PromQL selector. true: exactly the leaf's
  // value at each step time where it has one (a LogQL range aggregation, which computes its
  // windows itself): the evaluator uses them as they are.
  bool per_step = false;
};

// What LeafSource::Visit hands the series of a leaf to.
struct LeafVisitor {
  // Called once, before any series: how many there may be (every index is below it), and
  // whether they are per-step values (LeafData::per_step).
  std::function<void(size_t count, bool per_step)> start;
  // One series with samples, as LeafData would hold it; `index` is its place in Select's order.
  // Called from several threads at once, at most once per index; `labels` and `samples` are
  // valid during the call only. An error stops the visit and is returned by Visit.
  std::function<absl::Status(size_t index, const LabelSet& labels,
                             std::span<const store::Sample> samples)>
      series;
};

// Turns leaves into series. One source serves one evaluation (it may cache what it read).
// Called from the evaluator's threads: implementations must be thread-safe.
class LeafSource {
 public:
  virtual ~LeafSource() = default;
  // Select's series, handed to `visitor` as they are read instead of gathered, so that a query
  // over many series never holds the samples of all at once. The default gathers them with
  // Select and hands them over on the caller's thread.
  virtual absl::Status Visit(const Leaf& leaf, const StepRange& at, int64_t lookback_ms,
                             QueryStats* stats, const LeafVisitor& visitor);
  // The data needed to evaluate `leaf` at every time of `at`, times already moved by the
  // leaf's @ and offset: for a PromQL selector, its stored samples (staleness markers included)
  // in [at.start_ms - window, at.end_ms] (both ends: Prometheus 2.42 includes a sample exactly
  // one lookback or range old), window being the lookback (given) or the selector's
  // range. Counts what it loads in *stats (atomically: several calls may run at once) and
  // fails with ResourceExhausted past limits.max_samples or max_series.
  virtual absl::StatusOr<LeafData> Select(const Leaf& leaf, const StepRange& at,
                                          int64_t lookback_ms, QueryStats* stats) = 0;
};

struct EvalOptions {
  EngineLimits limits;
  // Checked at least once per step and per series, possibly from several threads at once: when
  // it returns true, evaluation stops with Cancelled.
  std::function<bool()> cancelled;
};

// Evaluates `expr` at one time (Prometheus's /api/v1/query).
absl::StatusOr<Value> EvaluateInstant(const Expr& expr, int64_t ts_ms, LeafSource* source,
                                      const EvalOptions& options, QueryStats* stats = nullptr);

// Evaluates `expr` at every step of `range` (/api/v1/query_range): one series per label set,
// with a point at each step where it has a value. `expr` must be a scalar or an instant vector
// (InvalidArgument otherwise, with Prometheus's message).
absl::StatusOr<Matrix> EvaluateRange(const Expr& expr, const StepRange& range, LeafSource* source,
                                     const EvalOptions& options, QueryStats* stats = nullptr);

}  // namespace vigie::promql
