// What counting queries hold: a metric query that only counts, and `vigie grep --count`, over
// two million matching lines, must hold memory for series × steps (and the blocks being read),
// not for each match. This binary replaces operator new to follow the bytes in use.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <new>

#include "common/time.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "tests/integration/harness.h"

namespace {
std::atomic<int64_t> g_live{0}, g_peak{0};
}  // namespace

void* operator new(size_t n) {
  void* p = malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  const int64_t size = static_cast<int64_t>(malloc_usable_size(p));
  const int64_t live = g_live.fetch_add(size) + size;
  int64_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)));
  free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace vigie::logql {
namespace {

constexpr int64_t kT0 = 1'700'000'000LL * kNanosPerSecond;
constexpr int64_t kLines = 2'000'000;
constexpr int64_t kMinute = 60 * kNanosPerSecond;

class CountMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.target_block_bytes = 64 << 10;  // Small blocks: what a block holds stays small.
    store_ = *store::Store::Open(options);
    // Two streams of short lines over an hour, all matching.
    for (int64_t from = 0; from < kLines; from += 200'000) {
      store::AppendRequest request;
      for (const char* host : {"a", "b"}) {
        store::StreamEntries s{*LabelSet::Make({{"app", "x"}, {"host", host}}), {}};
        for (int64_t i = from; i < from + 100'000; ++i) {
          s.entries.push_back(
              {kT0 + i * (3600 * kNanosPerSecond / kLines), "hit " + std::to_string(i % 1000)});
        }
        request.streams.push_back(std::move(s));
      }
      ASSERT_TRUE(store_->Append(request).ok());
    }
  }

  // The most bytes in use above those in use before `run`.
  template <typename F>
  static int64_t PeakGrowth(F run) {
    const int64_t before = g_live.load();
    g_peak.store(before);
    run();
    return g_peak.load() - before;
  }

  vigie::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// Matches hold no more than this; one 16-byte sample per match would be 32 MB.
constexpr int64_t kBound = 12 << 20;

TEST_F(CountMemoryTest, MetricCountHoldsStepsNotMatches) {
  Engine engine(store_.get(), Limits(), 2);
  absl::StatusOr<Query> query = Parse(R"(sum(count_over_time({app="x"} |= "hit" [1m])))", Limits());
  ASSERT_TRUE(query.ok());
  QueryParams params{.start_ns = kT0, .end_ns = kT0 + 61 * kMinute, .step_ns = kMinute};
  ASSERT_TRUE(engine.CheckParams(*query, &params).ok());
  double total = 0;
  const int64_t growth = PeakGrowth([&] {
    QueryStats stats;
    absl::StatusOr<std::vector<Series>> series =
        engine.RunMetricQuery(*query->metric, params, &stats);
    ASSERT_TRUE(series.ok()) << series.status();
    for (const Series& s : *series) {
      for (const Point& p : s.points) total += p.value;
    }
  });
  EXPECT_EQ(total, kLines);
  EXPECT_LT(growth, kBound) << "bytes held at the peak of the query";
}

TEST_F(CountMemoryTest, GrepCountHoldsLabelSetsNotMatches) {
  Engine engine(store_.get(), Limits(), 2);
  absl::StatusOr<Query> query = Parse(R"({app="x"} |= "hit")", Limits());
  ASSERT_TRUE(query.ok());
  QueryParams params{.start_ns = kT0, .end_ns = kT0 + 61 * kMinute, .all = true};
  ASSERT_TRUE(engine.CheckParams(*query, &params).ok());
  double total = 0;
  const int64_t growth = PeakGrowth([&] {
    QueryStats stats;
    absl::StatusOr<std::vector<Series>> counts = engine.CountLogQuery(*query->log, params, &stats);
    ASSERT_TRUE(counts.ok()) << counts.status();
    ASSERT_EQ(counts->size(), 2u);
    for (const Series& s : *counts) total += s.points[0].value;
  });
  EXPECT_EQ(total, kLines);
  EXPECT_LT(growth, kBound) << "bytes held at the peak of the query";
}

}  // namespace
}  // namespace vigie::logql
