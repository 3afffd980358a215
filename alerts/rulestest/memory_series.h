// An in-memory series store for rule unit tests: what promtool's test storage is to Prometheus.
// The input series and what the rules write (recording rules, ALERTS, ALERTS_FOR_STATE) live
// here, and PromQL reads them through store::SeriesQuerier as it reads the real store.
//
// Thread-safe: appends and queries may run concurrently (the evaluator reads from several
// threads).
#pragma once

#include <map>
#include <shared_mutex>
#include <vector>

#include "store/series.h"

namespace vigie::alerts::rulestest {

class MemorySeries final : public store::SeriesQuerier {
 public:
  // Adds samples to a series, creating it. A sample at a time the series already has replaces
  // the stored one (a rule evaluated twice at the same time writes the same point again).
  void Append(const store::SeriesSamples& series);

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
  struct Stored {
    LabelSet labels;
    std::map<int64_t, double> samples;  // By time.
  };

  mutable std::shared_mutex mu_;
  std::map<store::SeriesId, Stored> series_;  // Guarded by mu_.
};

}  // namespace vigie::alerts::rulestest
