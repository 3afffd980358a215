// The leaves of LogQL metric queries for PromQL's evaluator: a LeafSource that evaluates each
// RangeAggregation (ast.h) at every step from the log store, scanning its lines once with the
// multi-threaded block scan (block_scan.h) and computing each window (t - range, t] itself
// (LeafData::per_step).
#pragma once

#include <mutex>

#include "common/limits.h"
#include "query/logql/block_scan.h"
#include "query/logql/result.h"
#include "query/promql/engine.h"
#include "store/store.h"

namespace vigie::logql {

// Serves one evaluation. Thread-safe (the evaluator may select leaves from several threads).
class LogRangeSource final : public promql::LeafSource {
 public:
  // `querier` is not owned and must outlive the source.
  LogRangeSource(const store::LogQuerier* querier, const Limits& limits, int scan_threads,
                 StopCondition stop)
      : querier_(querier), limits_(limits), scan_threads_(scan_threads), stop_(std::move(stop)) {}

  // For a RangeAggregation leaf: one series per label set (the stream's labels, or the grouped
  // ones), with a point at each step of `at` whose window has samples; for absent_over_time,
  // one series (the selector's equality matchers as labels) with a point where none has.
  // Fails with InvalidArgument past limits.max_series_per_query, and, as Loki does, when a
  // series carries an __error__ label (an unwrapped value that is no number) that no
  // `| __error__=""` removed.
  absl::StatusOr<promql::LeafData> Select(const promql::Leaf& leaf, const promql::StepRange& at,
                                          int64_t lookback_ms, promql::QueryStats* stats) override;

  // What the scans of all leaves so far read.
  QueryStats stats() const;

 private:
  const store::LogQuerier* querier_;
  Limits limits_;
  int scan_threads_;
  StopCondition stop_;
  mutable std::mutex mu_;
  QueryStats stats_;  // Guarded by mu_.
};

// The error for a result of `n` series, above limits.max_series_per_query, or OK.
absl::Status CheckSeriesCount(size_t n, const Limits& limits);

}  // namespace vigie::logql
