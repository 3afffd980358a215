// The LeafSource of PromQL selectors: reads the series a Selector matches, and their samples,
// from a store::SeriesQuerier, counting them against the query's limits.
#pragma once

#include <span>
#include <vector>

#include "query/logql/matcher.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::promql {

// The store's form of label matchers: equality gets the index's fast path (`equals`), the
// others test values with the compiled matcher.
std::vector<store::SeriesMatcher> ToSeriesMatchers(std::span<const logql::LabelMatcher> matchers);

// Thread-safe (the evaluator calls Select from several threads); `querier` must outlive it.
class SelectorSource final : public LeafSource {
 public:
  SelectorSource(const store::SeriesQuerier* querier, const EngineLimits& limits)
      : querier_(querier), limits_(limits) {}

  // Only Selector leaves. Returns the stored samples of every matching series in
  // [at.start_ms - window, at.end_ms] (window: the selector's range, or `lookback_ms` for an
  // instant selector), staleness markers included, series without any left out, sorted by
  // labels. Fails with ResourceExhausted once the query has selected more than
  // limits.max_series series or loaded more than limits.max_samples samples (counted in
  // *stats across every Select of the query).
  absl::StatusOr<LeafData> Select(const Leaf& leaf, const StepRange& at, int64_t lookback_ms,
                                  QueryStats* stats) override;
  // The same series, read by limits.threads threads when there are many (each a range of
  // series ids, which the store reads in one pass) and handed over as each is read.
  absl::Status Visit(const Leaf& leaf, const StepRange& at, int64_t lookback_ms, QueryStats* stats,
                     const LeafVisitor& visitor) override;

 private:
  const store::SeriesQuerier* querier_;
  EngineLimits limits_;
};

}  // namespace vigie::promql
