// `backlog:` rules (docs/alerts.md, "Backlog rules"): a queue whose depth keeps rising, or stays
// above zero without falling, while nothing (or far too little) processes it. The rule is a
// PromQL condition over the existing evaluator and alert state machine, so it needs no state of
// its own: BacklogCondition writes it, and the rule's expr is that condition (its value is the
// depth; /api/v1/rules shows it).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "alerts/rules/rule_expr.h"

namespace vigie::alerts::rules {

// The arrival rate below which, as a fraction, processing counts as "far below" it.
inline constexpr double kBacklogProcessedFraction = 0.1;

// The PromQL condition of a backlog rule over the PromQL expressions `depth` (a gauge) and
// `processed` (a rate), over `window_ms` (backlog's `for`):
//   (D > 0 and P == 0)
//   or (D > 0 and min_over_time(D[W]) > 0 and deriv(D[W]) >= 0
//       and P <= 0.1 * (deriv(D[W]) + P))
// D[W] is the range selector when `depth` is a plain selector, else the subquery (D)[W:W/20]
// (at least 1s). D and P are matched as PromQL's binary operators match: the same labels, the
// metric name aside. InvalidArgument when either is not PromQL.
absl::StatusOr<std::string> BacklogCondition(const RuleExpr& depth, const RuleExpr& processed,
                                             int64_t window_ms);

}  // namespace vigie::alerts::rules
