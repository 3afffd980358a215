// The seams through which rules reach the rest of vigied, as Prometheus's rules package reaches
// its engine and storage: a query function, an appender, and alert.h's NotifyFunc and
// DeployLookup. server/main.cc wires the real ones (server/rules_wiring.h); tests pass fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/rules/rule_expr.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::alerts::rules {

// Evaluates `expr` at `ts_ms` (an instant query). A rule accepts an instant vector or a scalar
// (a scalar is one sample without labels, as in Prometheus); anything else is the rule's error.
// `cancelled` returns true once the evaluation should stop (vigied stopping, group reloaded).
// Called from the groups' threads, concurrently.
using QueryFunc = std::function<absl::StatusOr<promql::Value>(
    const RuleExpr& expr, int64_t ts_ms, const std::function<bool()>& cancelled)>;

// Evaluates `expr` over `range` (a range query), each series' points in time order: what
// `vigie anomaly backfill` replays through an anomaly rule's detectors. Called from HTTP
// handlers' threads, concurrently.
using RangeQueryFunc = std::function<absl::StatusOr<promql::Matrix>(
    const RuleExpr& expr, const promql::StepRange& range, const std::function<bool()>& cancelled)>;

// Writes samples to the series store (recording rules' results, ALERTS, ALERTS_FOR_STATE,
// staleness markers), durably, so that the next query sees them. An error says what was
// refused. Called from the groups' threads, concurrently.
using AppendFunc = std::function<absl::Status(std::vector<store::SeriesSamples> series)>;

}  // namespace vigie::alerts::rules
