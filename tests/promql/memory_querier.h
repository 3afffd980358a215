// A store::SeriesQuerier over series held in memory, for tests of the evaluator that do not
// need the real store (selector_source_test uses it to count what is read).
//
// Thread safety: Add and Clear must not run concurrently with queries; queries may run
// concurrently with each other.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "store/series.h"

namespace vigie::promql::testing {

class MemoryQuerier final : public store::SeriesQuerier {
 public:
  // Appends samples (ascending time) to the series `labels`.
  void Add(const LabelSet& labels, const std::vector<store::Sample>& samples);
  void Clear() { series_.clear(); }

  // How many Samples() calls were made, and how many SelectSeries() calls tested a label by
  // its equality fast path rather than its predicate.
  uint64_t reads() const { return reads_; }
  uint64_t equality_lookups() const { return equality_lookups_; }

  std::vector<store::SeriesRef> SelectSeries(std::span<const store::SeriesMatcher> matchers,
                                             int64_t mint_ms, int64_t maxt_ms) const override;
  std::vector<std::string> SeriesLabelNames(std::span<const store::SeriesMatcher> matchers,
                                            int64_t mint_ms, int64_t maxt_ms) const override;
  std::vector<std::string> SeriesLabelValues(std::string_view name,
                                             std::span<const store::SeriesMatcher> matchers,
                                             int64_t mint_ms, int64_t maxt_ms) const override;
  std::unique_ptr<store::SeriesReader> NewSeriesReader() const override;

 private:
  class Reader;
  std::map<LabelSet, std::vector<store::Sample>> series_;  // Id: the position in the map.
  mutable std::atomic<uint64_t> reads_{0};
  mutable std::atomic<uint64_t> equality_lookups_{0};
};

}  // namespace vigie::promql::testing
