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
#include "store/store.h"

namespace vigie::logql {

struct QueryParams {
  int64_t start_ns = 0;  // Log queries: [start, end). Metric queries: first and last step.
  int64_t end_ns = 0;
  uint32_t limit = 0;  // Log queries; 0 means Limits::default_entries_per_query (unless `all`).
  // Log queries: every match, for a caller that streams them as they come (gRPC). Such a caller
  // holds no entries, so neither this nor a limit above --max-entries-per-query is refused.
  bool all = false;
  bool streamed = false;  // Set with `all`, or alone for a limit that is streamed.
  // Log queries: lines of the same stream shown before / after each match (grep -B / -A).
  uint32_t context_before = 0, context_after = 0;
  // Log queries: past the limit, look for one more match to set QueryStats::truncated (which
  // may scan the rest of the range when there is none).
  bool find_more = false;
  bool forward = false;
  // Log queries: the caller reads only the lines (GrepRequest.lines_only). Lines keep their
  // stream's labels (LogLine::labels), and the pipeline extracts only what its stages read.
  bool lines_only = false;
  int64_t step_ns = 0;  // Metric queries; 0 picks (end - start) / 250, at least 1 s.
  // Polled between blocks: once it returns true the query stops with CANCELLED (the client went
  // away, the server is stopping). Empty: never.
  std::function<bool()> cancelled;
};

// Receives the entries of a log query in order; returns false to stop (client gone).
using EntrySink = std::function<bool(const LabelSet& labels, int64_t ts, std::string_view line)>;

// A log query's line with what showing context needs (see match_window.h).
struct LogLine {
  // The line's labels: its stream's, changed by the pipeline (| json adds what it extracts). A
  // log query's result streams are keyed by them, as Loki's are.
  const LabelSet& labels;
  size_t stream_index;  // The same for every line of a stream within one query.
  int64_t ts;
  std::string_view line;
  bool context;                   // Shown around a match (QueryParams::context_*), not a match.
  bool group_start;               // Not adjacent to the previous line shown of its stream.
  const LabelSet& stream_labels;  // The labels of the stored stream, before the pipeline.
};
using LogLineSink = std::function<bool(const LogLine& line)>;

// Most context lines per side: each stream holds up to this many lines while it scans.
constexpr uint32_t kMaxContextLines = 1000;

class Engine {
 public:
  // `querier` is not owned and must outlive the engine.
  Engine(const store::LogQuerier* querier, Limits limits, int scan_threads = 2)
      : querier_(querier), limits_(limits), scan_threads_(scan_threads) {}

  // Validates `params` against the limits (range, limit, points) with errors naming the bound.
  absl::Status CheckParams(const Query& query, QueryParams* params) const;

  // Sets stats->truncated when the limit left out matches (with params.find_more).
  absl::Status RunLogQuery(const LogSelector& selector, const QueryParams& params,
                           const LogLineSink& sink, QueryStats* stats) const;
  // The same, for a caller that has no use for context.
  absl::Status RunLogQuery(const LogSelector& selector, const QueryParams& params,
                           const EntrySink& sink, QueryStats* stats) const;

  // `vigie grep --count`: the number of lines of each label set that match (a stream's, or what
  // the pipeline made of its lines, as a log query would show them), one series each with one
  // point at params.end_ns, sorted by labels. Counted on the scan's workers: memory grows with
  // the label sets, not with the matches.
  absl::StatusOr<std::vector<Series>> CountLogQuery(const LogSelector& selector,
                                                    const QueryParams& params,
                                                    QueryStats* stats) const;

  // Evaluates at start, start+step, ... <= end (milliseconds: the times are truncated to them)
  // on PromQL's evaluator, with the range aggregations read from the store. Series are sorted
  // by labels, except for an instant query (start == end) whose order topk, bottomk, sort or
  // sort_desc set; a step where a series has no sample has no point (as in Loki). A scalar
  // query gives one series without labels.
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
