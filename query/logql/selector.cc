#include "query/logql/selector.h"

#include <algorithm>
#include <iterator>

namespace vigie::logql {

bool SelectorMatches(const LogSelector& selector, const LabelSet& labels) {
  return std::all_of(selector.matchers.begin(), selector.matchers.end(),
                     [&](const LabelMatcher& m) { return m.Matches(labels.Get(m.name())); });
}

std::vector<store::StreamId> SelectStreams(const store::LogQuerier& querier,
                                           const LogSelector& selector, store::TimeRange range) {
  std::vector<store::StreamId> candidates;
  bool first = true;
  for (const LabelMatcher& m : selector.matchers) {
    if (m.MatchesEmpty()) continue;  // Would include streams lacking the label: checked below.
    std::vector<store::StreamId> ids = querier.StreamsWhere(
        m.name(), [&m](std::string_view v) { return m.Matches(v); }, range);
    if (first) {
      candidates = std::move(ids);
      first = false;
    } else {
      std::vector<store::StreamId> both;
      std::set_intersection(candidates.begin(), candidates.end(), ids.begin(), ids.end(),
                            std::back_inserter(both));
      candidates = std::move(both);
    }
    if (candidates.empty()) return candidates;
  }
  std::erase_if(candidates, [&](store::StreamId id) {
    auto labels = querier.StreamLabels(id);
    return !labels || !SelectorMatches(selector, *labels);
  });
  return candidates;
}

}  // namespace vigie::logql
