// The rule engine's seams (alerts/rules/seams.h) over vigied's real parts: PromQL through
// PromQueries, LogQL metric queries through the LogQL engine (both on the same evaluator), and
// samples written through the Ingester like any sender's (protocol "rules").
#pragma once

#include "alerts/rules/seams.h"
#include "query/logql/engine.h"
#include "server/ingester.h"
#include "server/prom_queries.h"

namespace vigie::server {

// Nothing is owned; both must outlive the function.
alerts::rules::QueryFunc RuleQueryFunc(const PromQueries* prom, const logql::Engine* logs);
alerts::rules::RangeQueryFunc RuleRangeQueryFunc(const PromQueries* prom,
                                                 const logql::Engine* logs);
alerts::rules::AppendFunc RuleAppendFunc(Ingester* ingester);

}  // namespace vigie::server
