// PromQL over the series store, as the HTTP API (/api/v1/) and the gRPC Query service run it:
// one place that applies the server's limits, a request's timeout and cancellation, and that
// answers the series and label lookups of a set of selectors.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/limits.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::server {

// Thread-safe: immutable; every method may run on many threads at once.
class PromQueries {
 public:
  // `series` is not owned and must outlive this object.
  PromQueries(const store::SeriesQuerier* series, promql::EngineLimits limits)
      : series_(series), limits_(limits) {}

  const promql::EngineLimits& limits() const { return limits_; }

  // Evaluates `expr` (engine.h's error codes). `timeout_ms` <= 0 means the server's limit; a
  // longer one is cut to it. `cancelled` may be empty.
  absl::StatusOr<promql::Value> Instant(const promql::Expr& expr, int64_t ts_ms, int64_t timeout_ms,
                                        const std::function<bool()>& cancelled) const;
  absl::StatusOr<promql::Matrix> Range(const promql::Expr& expr, const promql::StepRange& range,
                                       int64_t timeout_ms,
                                       const std::function<bool()>& cancelled) const;

  // A selector's matchers: each set is one selector (sets are ORed, matchers within a set
  // ANDed). An empty list of sets means every series (labels and label values only).
  using MatchSets = std::vector<std::vector<store::SeriesMatcher>>;

  // The distinct label sets of the series with data in [start_ms, end_ms], sorted.
  std::vector<LabelSet> Series(const MatchSets& sets, int64_t start_ms, int64_t end_ms) const;
  // Sorted, distinct label names, or values of `name`.
  std::vector<std::string> LabelNames(const MatchSets& sets, int64_t start_ms,
                                      int64_t end_ms) const;
  std::vector<std::string> LabelValues(std::string_view name, const MatchSets& sets,
                                       int64_t start_ms, int64_t end_ms) const;

 private:
  promql::EvalOptions Options(int64_t timeout_ms, const std::function<bool()>& cancelled) const;

  const store::SeriesQuerier* series_;
  promql::EngineLimits limits_;
};

// Parses series selectors (`up`, `{job="node"}`: no range, offset or @) into match sets;
// InvalidArgument naming the first that is not one.
absl::StatusOr<PromQueries::MatchSets> ParseSeriesSelectors(std::span<const std::string_view> texts,
                                                            const Limits& limits);

}  // namespace vigie::server
