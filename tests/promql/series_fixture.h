// The real series store (store::RocksStore in a temp dir) for the evaluator's tests: series are
// appended as vigied appends them and read back through store::SeriesQuerier.
#pragma once

#include <memory>
#include <vector>

#include "store/store.h"
#include "tests/integration/harness.h"

namespace vigie::promql::testing {

// Not thread-safe to Add or Clear while querying.
class SeriesFixture {
 public:
  SeriesFixture() { Clear(); }

  // Appends `samples` (ascending time) to the series `labels`; fails the test unless every
  // sample is stored.
  void Add(const LabelSet& labels, std::vector<store::Sample> samples);
  // Appends several series in one request.
  void Add(std::vector<store::SeriesSamples> series);
  // Starts again with an empty store (a new database).
  void Clear();

  const store::SeriesQuerier& querier() const { return *store_; }

 private:
  vigie::testing::TempDir dir_;
  int generation_ = 0;
  std::unique_ptr<store::Store> store_;
};

}  // namespace vigie::promql::testing
