#include "tests/promql/series_fixture.h"

#include <gtest/gtest.h>

namespace vigie::promql::testing {

void SeriesFixture::Add(const LabelSet& labels, std::vector<store::Sample> samples) {
  Add({store::SeriesSamples{labels, std::move(samples)}});
}

void SeriesFixture::Add(std::vector<store::SeriesSamples> series) {
  uint64_t samples = 0;
  for (const store::SeriesSamples& s : series) samples += s.samples.size();
  store::AppendRequest request;
  for (const store::SeriesSamples& s : series) request.series.Add(s);
  absl::StatusOr<store::AppendResult> result = store_->Append(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->series.accepted, samples) << result->series.reason;
}

void SeriesFixture::Clear() {
  store_.reset();
  store::StoreOptions options;
  options.path = dir_.path() + "/db" + std::to_string(generation_++);
  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
}

}  // namespace vigie::promql::testing
