// The evaluator behind engine.h, shared by its files (engine.cc: nodes, selectors and
// subqueries; eval_binary.cc; eval_aggregate.cc; eval_call.cc: functions). Not a public
// interface.
//
// Every node is evaluated at all the steps of a range at once, as in Prometheus: an instant
// vector becomes a Matrix whose points sit at the step times (an instant query is a range of one
// step). Operators that combine series step by step (binary operators between vectors,
// aggregations) walk the steps with a StepCursor and remember, per input series, the output
// series it feeds, so that labels are computed once per series rather than once per step.
//
// Thread safety: an Evaluator serves one query; it may run parts of it on several threads
// (ParallelFor), whose tasks only touch their own output slots.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/promql/ast.h"
#include "query/promql/engine.h"

namespace vigie::promql::internal {

inline constexpr std::string_view kMetricName = "__name__";

// Prometheus's staleness marker (store/series.h), bit-exact.
bool IsStale(double value);

// The times an expression is read at: base + i * step for step i (step 0 under @, where every
// step reads the same time).
struct TimeMap {
  int64_t base = 0;
  int64_t step = 0;
  int64_t at(size_t i) const { return base + static_cast<int64_t>(i) * step; }
};

// The value of an expression at every step of a range.
struct Evaluated {
  ValueType type = ValueType::kNone;
  std::vector<double> scalars;  // kScalar: one per step.
  Matrix vector;                // kVector: points at the step times, one series per label set.
  std::string string;           // kString.
};

// A range vector at every step: the samples of each series (no staleness markers), and for
// step i the window [times.at(i) - range_ms, times.at(i)] (both ends included, Prometheus 2.42).
struct RangeInput {
  Matrix series;
  TimeMap times;
  int64_t range_ms = 0;
};

// A range vector handed over series by series (Evaluator::VisitRange).
struct RangeVisitor {
  // Called once, before any series: how many there may be (every index is below it), and the
  // windows: [times.at(i) - range_ms, times.at(i)] for step i.
  std::function<void(size_t count, const TimeMap& times, int64_t range_ms)> start;
  // One series, its samples without staleness markers. Called from several threads at once, at
  // most once per index; `labels` and `samples` are valid during the call only.
  std::function<absl::Status(size_t index, const LabelSet& labels,
                             std::span<const store::Sample> samples)>
      series;
};

// Collects output series by label set and refuses two values of one label set at one step
// ("vector cannot contain metrics with the same labelset"). Steps must be added in ascending
// order.
class OutputBuilder {
 public:
  // The index of the output series with `labels`, created on first use.
  size_t Index(const LabelSet& labels);
  // Adds a point to series `index`; fails when it already has one at `ts_ms`.
  absl::Status Add(size_t index, int64_t ts_ms, double value);
  Matrix Take() { return std::move(out_); }

 private:
  std::map<LabelSet, size_t> index_;
  Matrix out_;
};

// Walks the steps of a Matrix whose points sit at step times: For(t, f) calls f(series index,
// value) for every series with a point at t. Times must be passed in ascending order.
class StepCursor {
 public:
  explicit StepCursor(const Matrix& m) : m_(m), pos_(m.size(), 0) {}
  template <typename F>
  void For(int64_t t, F&& f) {
    for (size_t s = 0; s < m_.size(); ++s) {
      const std::vector<store::Sample>& p = m_[s].points;
      while (pos_[s] < p.size() && p[pos_[s]].ts_ms < t) ++pos_[s];
      if (pos_[s] < p.size() && p[pos_[s]].ts_ms == t) f(s, p[pos_[s]].value);
    }
  }

 private:
  const Matrix& m_;
  std::vector<size_t> pos_;
};

// Label-set edits in Prometheus's terms.
LabelSet DropMetricName(const LabelSet& labels);
LabelSet WithLabel(const LabelSet& labels, std::string_view name, std::string_view value);

class Evaluator {
 public:
  Evaluator(LeafSource* source, const EvalOptions& options, QueryStats* stats,
            int64_t query_start_ms, int64_t query_end_ms);

  // `expr` at every step of `range`.
  absl::StatusOr<Evaluated> Eval(const Expr& expr, const StepRange& range);
  // A range vector expression (a range selector or a subquery, in parentheses or not).
  absl::StatusOr<RangeInput> EvalRange(const Expr& expr, const StepRange& range);
  // The same range vector handed to `visitor` series by series: a range selector's series as
  // they are read, so that the samples of all are never held at once.
  absl::Status VisitRange(const Expr& expr, const StepRange& range, const RangeVisitor& visitor);

  // Non-OK once the query timed out or was cancelled. Cheap enough to call per step and series;
  // called from the query's threads at once (EvalOptions::cancelled must allow that).
  absl::Status Interrupted();

  // Runs task(begin, end) over [0, n) split between the query's threads when `work` (points to
  // produce) is large enough to pay for a thread, else on the caller. Returns the first error.
  absl::Status ParallelFor(size_t n, uint64_t work,
                           const std::function<absl::Status(size_t, size_t)>& task);

  const EngineLimits& limits() const { return options_.limits; }
  int64_t query_start_ms() const { return query_start_ms_; }
  int64_t query_end_ms() const { return query_end_ms_; }

  // The times a leaf or subquery with `mods` is read at for the steps of `range`.
  TimeMap Times(const TimeModifiers& mods, const StepRange& range) const;

  // Instant vector selector: the value at each step within the lookback (or, when
  // `sample_times`, the time of that value in seconds: timestamp()).
  absl::StatusOr<Matrix> EvalVectorLeaf(const Leaf& leaf, const StepRange& range,
                                        bool sample_times);

  // The parts, each in its own file.
  absl::StatusOr<Evaluated> EvalBinary(const BinaryExpr& e, const StepRange& range);
  absl::StatusOr<Evaluated> EvalAggregate(const AggregateExpr& e, const StepRange& range);
  absl::StatusOr<Evaluated> EvalCall(const Call& e, const StepRange& range);
  // histogram_quantile(q, in) with q at each step.
  absl::StatusOr<Matrix> HistogramQuantile(const Matrix& in, const std::vector<double>& q,
                                           const StepRange& range);

 private:
  absl::StatusOr<RangeInput> EvalSubquery(const SubqueryExpr& e, const StepRange& range);

  LeafSource* source_;
  const EvalOptions& options_;
  QueryStats* stats_;
  int64_t query_start_ms_;
  int64_t query_end_ms_;
  std::chrono::steady_clock::time_point deadline_;
};

// Series whose labels were computed one by one: fails when two of them have the same labels,
// as Prometheus does after a function.
absl::StatusOr<Matrix> Distinct(Matrix m);

// label_replace(in, strings...) or label_join(in, strings...): `strings` are the call's string
// arguments.
absl::StatusOr<Matrix> Relabel(std::string_view name, const std::vector<std::string>& strings,
                               Matrix in);

// A vector Evaluated from a Matrix.
Evaluated VectorResult(Matrix m);
// Step times of `range`.
inline int64_t StepTime(const StepRange& range, size_t i) {
  return range.start_ms + static_cast<int64_t>(i) * range.step_ms;
}

}  // namespace vigie::promql::internal
