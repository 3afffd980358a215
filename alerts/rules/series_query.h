// A QueryFunc over any store::SeriesQuerier, for running rules outside vigied (tests, `vigie
// rules test` over an in-memory series set): PromQL only; a LogQL rule gets Unimplemented.
#pragma once

#include "alerts/rules/seams.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::alerts::rules {

// `series` is not owned and must outlive the function.
QueryFunc SeriesQueryFunc(const store::SeriesQuerier* series, promql::EngineLimits limits = {});

}  // namespace vigie::alerts::rules
