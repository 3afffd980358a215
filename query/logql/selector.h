// Resolving a stream selector: through the store's label index for the stored streams, and
// directly against a label set for entries being tailed live.
#pragma once

#include <vector>

#include "query/logql/ast.h"
#include "store/store.h"

namespace vigie::logql {

// True when `labels` satisfies every matcher of `selector` (an absent label reads as "").
bool SelectorMatches(const LogSelector& selector, const LabelSet& labels);

// The streams satisfying the selector with data overlapping `range`, sorted by id. Only the
// index entries of labels named by matchers that reject "" are touched.
std::vector<store::StreamId> SelectStreams(const store::LogQuerier& querier,
                                           const LogSelector& selector, store::TimeRange range);

}  // namespace vigie::logql
