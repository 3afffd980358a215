// The evaluator's limits, timeout and cancellation, SelectorSource, the seam for other leaves
// (per-step data, as LogQL's range aggregations give), and results on two threads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/limits.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"
#include "query/promql/selector_source.h"
#include "tests/promql/memory_querier.h"

namespace vigie::promql {
namespace {

using ::testing::HasSubstr;

LabelSet L(std::string_view text) { return *LabelSet::Parse(text); }

// Samples as pairs, to compare them (store::Sample's bitwise == belongs to the store library).
using Points = std::vector<std::pair<int64_t, double>>;
Points P(const std::vector<store::Sample>& samples) {
  Points out;
  for (const store::Sample& s : samples) out.push_back({s.ts_ms, s.value});
  return out;
}

ExprPtr ParseOrDie(std::string_view query) {
  absl::StatusOr<ExprPtr> expr = Parse(query, Limits{});
  EXPECT_TRUE(expr.ok()) << expr.status();
  return *std::move(expr);
}

// `series` counters named c{i="<n>"} with `samples` samples 15 s apart, rising by n each.
void LoadCounters(testing::MemoryQuerier* q, int series, int samples) {
  for (int n = 0; n < series; ++n) {
    std::vector<store::Sample> s;
    for (int i = 0; i < samples; ++i) s.push_back({i * 15'000LL, static_cast<double>(i * n)});
    q->Add(L("{__name__=\"c\", i=\"" + std::to_string(n) + "\"}"), s);
  }
}

class EngineTest : public ::testing::Test {
 protected:
  absl::StatusOr<Value> Instant(std::string_view query, int64_t t) {
    ExprPtr expr = ParseOrDie(query);
    SelectorSource source(&querier_, options_.limits);
    QueryStats stats;  // Per query: the limits count per query.
    return EvaluateInstant(*expr, t, &source, options_, &stats);
  }
  absl::StatusOr<Matrix> Range(std::string_view query, StepRange range) {
    ExprPtr expr = ParseOrDie(query);
    SelectorSource source(&querier_, options_.limits);
    QueryStats stats;
    return EvaluateRange(*expr, range, &source, options_, &stats);
  }

  testing::MemoryQuerier querier_;
  EvalOptions options_;
  QueryStats stats_;
};

TEST_F(EngineTest, SelectorSourceReadsTheWindowWithBothEnds) {
  querier_.Add(L("{__name__=\"m\", a=\"x\"}"), {{0, 1}, {60'000, 2}, {120'000, 3}});
  querier_.Add(L("{__name__=\"m\", a=\"y\"}"), {{0, 5}});
  ExprPtr expr = ParseOrDie("m{a=\"x\"}[1m]");
  SelectorSource source(&querier_, options_.limits);
  const Leaf& leaf = *expr->As<LeafExpr>()->leaf;
  absl::StatusOr<LeafData> data = source.Select(leaf, {120'000, 120'000, 1}, 300'000, &stats_);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->series.size(), 1u);
  EXPECT_EQ(data->series[0].labels, L("{__name__=\"m\", a=\"x\"}"));
  EXPECT_EQ(P(data->series[0].points), (Points{{60'000, 2}, {120'000, 3}}));  // [60s, 120s].
  EXPECT_FALSE(data->per_step);
  EXPECT_EQ(stats_.series_selected, 1u);
  EXPECT_EQ(stats_.samples_loaded, 2u);
  // The name and a="x" are equalities: the index's fast path, not a predicate.
  EXPECT_GT(querier_.equality_lookups(), 0u);
}

TEST_F(EngineTest, SeriesMatchersKeepPrometheusSemantics) {
  absl::StatusOr<logql::LabelMatcher> re =
      logql::LabelMatcher::Make("a", logql::MatchType::kRegex, "x|y", Limits{});
  absl::StatusOr<logql::LabelMatcher> ne =
      logql::LabelMatcher::Make("b", logql::MatchType::kNotEqual, "z", Limits{});
  std::vector<logql::LabelMatcher> matchers{*re, *ne};
  std::vector<store::SeriesMatcher> sm = ToSeriesMatchers(matchers);
  ASSERT_EQ(sm.size(), 2u);
  EXPECT_FALSE(sm[0].equals.has_value());
  EXPECT_TRUE(sm[0].accept("x"));
  EXPECT_FALSE(sm[0].accept("xy"));  // Anchored.
  EXPECT_TRUE(sm[1].accept(""));     // An absent label is "".
  EXPECT_FALSE(sm[1].accept("z"));
}

TEST_F(EngineTest, TooManySamplesFailsWithPrometheusWording) {
  LoadCounters(&querier_, 10, 100);
  options_.limits.max_samples = 500;
  absl::StatusOr<Value> v = Instant("sum(rate(c[1h]))", 1'500'000);
  ASSERT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted) << v.status();
  EXPECT_EQ(v.status().message(),
            "query processing would load too many samples into memory in query execution");
  options_.limits.max_samples = 1000;
  EXPECT_TRUE(Instant("sum(rate(c[1h]))", 1'500'000).ok());
}

TEST_F(EngineTest, TooManySeriesFails) {
  LoadCounters(&querier_, 10, 2);
  options_.limits.max_series = 9;
  absl::StatusOr<Value> v = Instant("c", 0);
  ASSERT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(v.status().message(), HasSubstr("more than 9 series"));
  EXPECT_TRUE(Instant("c{i!=\"3\"}", 0).ok());
}

TEST_F(EngineTest, TooManyPointsPerSeriesFailsBeforeReading) {
  LoadCounters(&querier_, 1, 2);
  absl::StatusOr<Matrix> m = Range("c", {0, 11'000'000, 1'000});  // 11,001 steps.
  ASSERT_EQ(m.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(m.status().message(), HasSubstr("exceeded maximum resolution of 11000 points"));
  EXPECT_EQ(querier_.reads(), 0u);
  EXPECT_TRUE(Range("c", {0, 10'999'000, 1'000}).ok());
}

TEST_F(EngineTest, TimeoutAndCancellation) {
  LoadCounters(&querier_, 3, 10);
  options_.limits.timeout_ms = 0;
  absl::StatusOr<Value> v = Instant("sum(c)", 60'000);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kDeadlineExceeded) << v.status();
  EXPECT_THAT(v.status().message(), HasSubstr("query timed out"));

  options_.limits.timeout_ms = 60'000;
  int checks = 0;
  options_.cancelled = [&] { return ++checks > 3; };
  absl::StatusOr<Matrix> m = Range("sum(rate(c[1m]))", {0, 150'000, 15'000});
  EXPECT_EQ(m.status().code(), absl::StatusCode::kCancelled) << m.status();
}

TEST_F(EngineTest, RangeQueryOfARangeVectorIsRefused) {
  absl::StatusOr<Matrix> m = Range("c[5m]", {0, 60'000, 15'000});
  ASSERT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant "
            "Vector");
}

TEST_F(EngineTest, InstantRangeVectorGivesTheRawSamples) {
  querier_.Add(L("{__name__=\"m\"}"), {{0, 1}, {30'000, 2}, {60'000, 3}, {90'000, 4}});
  absl::StatusOr<Value> v = Instant("m[1m]", 90'000);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->type, ValueType::kMatrix);
  ASSERT_EQ(v->matrix.size(), 1u);
  EXPECT_EQ(v->matrix[0].labels, L("{__name__=\"m\"}"));
  EXPECT_EQ(P(v->matrix[0].points), (Points{{30'000, 2}, {60'000, 3}, {90'000, 4}}));
}

TEST_F(EngineTest, RangeQueryHasAPointPerStepWithAValue) {
  querier_.Add(L("{__name__=\"m\"}"), {{0, 1}, {60'000, 2}, {400'000, 3}});
  absl::StatusOr<Matrix> m = Range("m * 2", {0, 720'000, 120'000});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].labels, LabelSet());
  // 360s reads the sample of 60s (exactly 5m old), 480s and 600s the one of 400s, which is
  // more than 5m old at 720s.
  EXPECT_EQ(P((*m)[0].points),
            (Points{{0, 2}, {120'000, 4}, {240'000, 4}, {360'000, 4}, {480'000, 6}, {600'000, 6}}));
}

// Two threads give exactly what one gives.
TEST_F(EngineTest, TwoThreadsGiveTheSameResult) {
  LoadCounters(&querier_, 400, 241);  // 1 h of 15 s samples.
  StepRange range{300'000, 3'600'000, 15'000};
  options_.limits.threads = 1;
  absl::StatusOr<Matrix> one = Range("rate(c[5m]) + on (i) c", range);
  options_.limits.threads = 2;
  absl::StatusOr<Matrix> two = Range("rate(c[5m]) + on (i) c", range);
  ASSERT_TRUE(one.ok() && two.ok());
  ASSERT_EQ(one->size(), 400u);
  for (size_t s = 0; s < one->size(); ++s) {
    EXPECT_EQ((*one)[s].labels, (*two)[s].labels);
    EXPECT_EQ(P((*one)[s].points), P((*two)[s].points));
  }
}

// A leaf that gives its values per step (as LogQL's count_over_time will): the evaluator uses
// them as they are, without lookback.
class PerStepSource final : public LeafSource {
 public:
  absl::StatusOr<LeafData> Select(const Leaf&, const StepRange& at, int64_t, QueryStats*) override {
    LeafData data;
    data.per_step = true;
    for (int k = 1; k <= 2; ++k) {
      Series s{L("{k=\"" + std::to_string(k) + "\"}"), {}};
      for (int64_t t = at.start_ms; t <= at.end_ms; t += 2 * at.step_ms) {
        s.points.push_back({t, static_cast<double>(k)});
      }
      data.series.push_back(std::move(s));
    }
    return data;
  }
};

TEST_F(EngineTest, PerStepLeavesAreUsedAsTheyAre) {
  ExprPtr expr = ParseOrDie("sum(anything) * 10");
  PerStepSource source;
  absl::StatusOr<Matrix> m = EvaluateRange(*expr, {0, 40'000, 10'000}, &source, options_);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 1u);
  // Values at 0, 20s, 40s only: no lookback fills 10s and 30s.
  EXPECT_EQ(P((*m)[0].points), (Points{{0, 30}, {20'000, 30}, {40'000, 30}}));
}

}  // namespace
}  // namespace vigie::promql
