// Evaluates parsed LogQL against a LogQuerier: log queries stream matching entries in order,
// metric queries evaluate range and vector aggregations on a step.
//
// Thread safety: an Engine is immutable after construction; queries may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "query/logql/result.h"
#include "store/log_store.h"

namespace vigie::logql {

struct QueryParams {
  int64_t start_ns = 0;  // Log queries: [start, end). Metric queries: first and last step.
  int64_t end_ns = 0;
  uint32_t limit = 0;  // Log queries; 0 means Limits::default_entries_per_query.
  bool forward = false;
  int64_t step_ns = 0;  // Metric queries; 0 picks (end - start) / 250, at least 1 s.
  // Polled between blocks: once it returns true the query stops with CANCELLED (the client went
  // away, the server is stopping). Empty: never.
  std::function<bool()> cancelled;
};

// Receives the entries of a log query in order; returns false to stop (client gone).
using EntrySink = std::function<bool(const LabelSet& labels, int64_t ts, std::string_view line)>;

class Engine {
 public:
  // `querier` is not owned and must outlive the engine.
  Engine(const store::LogQuerier* querier, Limits limits, int scan_threads = 2)
      : querier_(querier), limits_(limits), scan_threads_(scan_threads) {}

  // Validates `params` against the limits (range, limit, points) with errors naming the bound.
  absl::Status CheckParams(const Query& query, QueryParams* params) const;

  absl::Status RunLogQuery(const LogSelector& selector, const QueryParams& params,
                           const EntrySink& sink, QueryStats* stats) const;

  // Evaluates at start, start+step, ... <= end. Series are sorted by labels; a step where a
  // series has no sample has no point (as in Loki).
  absl::StatusOr<std::vector<Series>> RunMetricQuery(const MetricExpr& expr,
                                                     const QueryParams& params,
                                                     QueryStats* stats) const;

  const Limits& limits() const { return limits_; }

 private:
  const store::LogQuerier* querier_;
  Limits limits_;
  int scan_threads_;
};

}  // namespace vigie::logql
