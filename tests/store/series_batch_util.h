// Test helper: a store::SeriesBatch as one SeriesSamples per series, labels decoded, for
// assertions.
#pragma once

#include <vector>

#include "store/series.h"

namespace vigie::testing {

inline std::vector<store::SeriesSamples> Unflatten(const store::SeriesBatch& batch) {
  std::vector<store::SeriesSamples> out;
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<LabelSet> labels = LabelSet::Decode(batch.Labels(i));
    std::span<const store::Sample> samples = batch.Samples(i);
    out.push_back({labels.ok() ? *labels : LabelSet(), {samples.begin(), samples.end()}});
  }
  return out;
}

}  // namespace vigie::testing
