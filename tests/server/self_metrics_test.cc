// vigied's own metrics as series: what a Prometheus scrape of the same registry would store.
#include "server/self_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/summary.h"

namespace vigie::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Canonical labels → the value of their one sample.
std::map<std::string, double> Scrape(const prometheus::Registry& registry, int64_t ts_ms) {
  std::map<std::string, double> out;
  ReceivedSeriesList series =
      SeriesFromFamilies(registry.Collect(), {{"job", "vigied"}, {"instance", "h:1"}}, ts_ms);
  std::vector<LabelView> views;
  for (size_t i = 0; i < series.size(); ++i) {
    std::span<const store::Sample> samples = series.Samples(i);
    EXPECT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0].ts_ms, ts_ms);
    series.Labels(i, &views);
    std::vector<Label> labels;
    for (const LabelView& l : views) labels.push_back({std::string(l.name), std::string(l.value)});
    auto canonical = LabelSet::Make(labels);
    EXPECT_TRUE(canonical.ok()) << canonical.status();
    out[canonical->ToString()] = samples[0].value;
  }
  return out;
}

TEST(SelfMetricsTest, CountersGaugesHistogramsAndSummariesAsPrometheusScrapesThem) {
  prometheus::Registry registry;
  prometheus::BuildCounter()
      .Name("c_total")
      .Help("c")
      .Register(registry)
      .Add({{"k", "v"}})
      .Increment(3);
  prometheus::BuildGauge().Name("g").Help("g").Register(registry).Add({}).Set(-1.5);
  auto& h = prometheus::BuildHistogram()
                .Name("h_seconds")
                .Help("h")
                .Register(registry)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1});
  h.Observe(0.25);
  h.Observe(0.75);
  h.Observe(4);
  auto& s = prometheus::BuildSummary().Name("s").Help("s").Register(registry).Add(
      {}, prometheus::Summary::Quantiles{{0.5, 0.05}});
  s.Observe(2);
  s.Observe(2);

  const std::string t = R"(instance="h:1", job="vigied")";
  EXPECT_THAT(Scrape(registry, 1000),
              ElementsAre(Pair(R"({__name__="c_total", )" + t + R"(, k="v"})", 3),
                          Pair(R"({__name__="g", )" + t + "}", -1.5),
                          Pair(R"({__name__="h_seconds_bucket", )" + t + R"(, le="+Inf"})", 3),
                          Pair(R"({__name__="h_seconds_bucket", )" + t + R"(, le="0.5"})", 1),
                          Pair(R"({__name__="h_seconds_bucket", )" + t + R"(, le="1"})", 2),
                          Pair(R"({__name__="h_seconds_count", )" + t + "}", 3),
                          Pair(R"({__name__="h_seconds_sum", )" + t + "}", 5),
                          Pair(R"({__name__="s", )" + t + R"(, quantile="0.5"})", 2),
                          Pair(R"({__name__="s_count", )" + t + "}", 2),
                          Pair(R"({__name__="s_sum", )" + t + "}", 4)));
}

TEST(SelfMetricsTest, TheTargetLabelsReplaceTheMetricsOwn) {
  prometheus::Registry registry;
  prometheus::BuildGauge().Name("g").Help("g").Register(registry).Add({{"job", "mine"}}).Set(1);
  EXPECT_THAT(Scrape(registry, 1),
              ElementsAre(Pair(R"({__name__="g", instance="h:1", job="vigied"})", 1)));
}

TEST(MetadataRegistryTest, KeepsTheLastMetadataPerMetricAndForgetsTheLeastRecentBeyondItsBound) {
  MetadataRegistry registry(2);
  registry.Set("a", {"counter", "first", ""});
  registry.Set("b", {"gauge", "b", "bytes"});
  registry.Set("a", {"counter", "second", ""});
  registry.Set("c", {"histogram", "c", ""});  // "b" is the least recently updated.
  registry.Set("d\xff", {"gauge", "not UTF-8", ""});
  auto all = registry.List("", 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "a");
  EXPECT_EQ(all[0].second.help, "second");
  EXPECT_EQ(all[1].first, "c");
  EXPECT_EQ(registry.List("", 1).size(), 1u);
  ASSERT_EQ(registry.List("c", 0).size(), 1u);
  EXPECT_EQ(registry.List("c", 0)[0].second.type, "histogram");
  EXPECT_TRUE(registry.List("b", 0).empty());
}

TEST(MetadataRegistryTest, LongHelpIsCutAtACharacterBoundary) {
  MetadataRegistry registry;
  std::string help = "x" + std::string(MetadataRegistry::kMaxTextBytes, '\xc3');
  for (size_t i = 2; i < help.size(); i += 2) help[i] = '\xa9';  // "é" repeated after "x".
  registry.Set("m", {"gauge", help, ""});
  std::string kept = registry.List("m", 0)[0].second.help;
  EXPECT_LE(kept.size(), MetadataRegistry::kMaxTextBytes);
  EXPECT_EQ(kept.size() % 2, 1u);  // "x" and whole two-byte characters.
}

}  // namespace
}  // namespace vigie::server
