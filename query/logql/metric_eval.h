// Evaluation of LogQL metric expressions: range aggregations over log lines
// (count_over_time, rate, bytes_over_time, bytes_rate) and vector aggregations over series.
#pragma once

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "query/logql/block_scan.h"
#include "query/logql/result.h"
#include "store/store.h"

namespace vigie::logql {

// One evaluation; not reusable, not thread-safe.
class MetricEvaluator {
 public:
  MetricEvaluator(const store::LogQuerier* querier, const Limits& limits, int scan_threads,
                  StopCondition stop)
      : querier_(querier), limits_(limits), scan_threads_(scan_threads), stop_(std::move(stop)) {}

  // Values at t = start, start+step, ... <= end. A range aggregation at t covers the lines with
  // time in (t - offset - range, t - offset].
  absl::StatusOr<std::vector<Series>> Evaluate(const MetricExpr& expr, int64_t start, int64_t end,
                                               int64_t step);
  const QueryStats& stats() const { return stats_; }

 private:
  absl::StatusOr<std::vector<Series>> EvaluateRange(const MetricExpr& expr, int64_t start,
                                                    int64_t end, int64_t step);
  absl::StatusOr<std::vector<Series>> EvaluateVector(const MetricExpr& expr, int64_t start,
                                                     int64_t end, int64_t step);
  absl::Status CheckSeriesCount(size_t n) const;

  const store::LogQuerier* querier_;
  Limits limits_;
  int scan_threads_;
  StopCondition stop_;
  QueryStats stats_;
};

}  // namespace vigie::logql
