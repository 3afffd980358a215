#include "collector/inputs/scrape_target.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "collector/config.h"
#include "collector/inputs/scrape_input.h"

namespace vigie::collector {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
constexpr auto kText = exposition::ExpositionFormat::kText;

// "labels value@ts" per sample, stale markers as "stale".
std::vector<std::string> Describe(const MetricUnit& unit) {
  std::vector<std::string> out;
  for (const MetricSample& s : unit.samples) {
    std::string value = IsStaleNaN(s.value) ? "stale" : std::to_string(s.value);
    out.push_back(s.labels().ToString() + " " + value + "@" + std::to_string(s.ts_ms));
  }
  return out;
}

std::vector<Label> Target() { return {{"instance", "h:9100"}, {"job", "node"}}; }

TEST(ScrapeTargetTest, TargetLabelsWinAndExposedOnesAreExported) {
  TargetSamples target(Target(), /*honor_labels=*/false, /*honor_timestamps=*/true);
  auto outcome = target.Scraped(
      "a{job=\"app\",exported_job=\"x\",b=\"1\"} 1\n"
      "c{instance=\"\"} 2 123\n",
      kText, 1000, 0.5);
  EXPECT_EQ(outcome.malformed_lines, 0u);
  std::vector<std::string> samples = Describe(outcome.unit);
  EXPECT_THAT(std::vector<std::string>(samples.begin(), samples.begin() + 2),
              UnorderedElementsAre(
                  "{__name__=\"a\", b=\"1\", exported_exported_job=\"app\", exported_job=\"x\", "
                  "instance=\"h:9100\", job=\"node\"} 1.000000@1000",
                  "{__name__=\"c\", instance=\"h:9100\", job=\"node\"} 2.000000@123"));
}

TEST(ScrapeTargetTest, HonorLabelsKeepsExposedOnesAndTimestampsCanBeIgnored) {
  TargetSamples target(Target(), /*honor_labels=*/true, /*honor_timestamps=*/false);
  auto outcome = target.Scraped("a{job=\"app\"} 1 123\n", kText, 1000, 0.5);
  EXPECT_EQ(Describe(outcome.unit)[0],
            "{__name__=\"a\", instance=\"h:9100\", job=\"app\"} 1.000000@1000");
}

TEST(ScrapeTargetTest, ReportSeriesAndStaleness) {
  TargetSamples target(Target(), false, true);
  auto first = target.Scraped("a 1\nb 2\nts_own 3 500\n", kText, 1000, 0.25);
  EXPECT_THAT(Describe(first.unit),
              UnorderedElementsAre(
                  "{__name__=\"a\", instance=\"h:9100\", job=\"node\"} 1.000000@1000",
                  "{__name__=\"b\", instance=\"h:9100\", job=\"node\"} 2.000000@1000",
                  "{__name__=\"ts_own\", instance=\"h:9100\", job=\"node\"} 3.000000@500",
                  "{__name__=\"up\", instance=\"h:9100\", job=\"node\"} 1.000000@1000",
                  "{__name__=\"scrape_duration_seconds\", instance=\"h:9100\", job=\"node\"} "
                  "0.250000@1000",
                  "{__name__=\"scrape_samples_scraped\", instance=\"h:9100\", job=\"node\"} "
                  "3.000000@1000",
                  "{__name__=\"scrape_samples_post_metric_relabeling\", instance=\"h:9100\", "
                  "job=\"node\"} 3.000000@1000",
                  "{__name__=\"scrape_series_added\", instance=\"h:9100\", job=\"node\"} "
                  "3.000000@1000"));
  // b disappears: stale at the next scrape; a series with its own timestamp gets no marker.
  auto second = target.Scraped("a 1\n", kText, 2000, 0.25);
  std::vector<std::string> samples = Describe(second.unit);
  EXPECT_THAT(
      std::vector<std::string>(samples.begin(), samples.begin() + 2),
      UnorderedElementsAre("{__name__=\"a\", instance=\"h:9100\", job=\"node\"} 1.000000@2000",
                           "{__name__=\"b\", instance=\"h:9100\", job=\"node\"} stale@2000"));
  EXPECT_EQ(samples.size(), 7u);
  // The target goes down: up 0 and everything stale.
  MetricUnit failed = target.Failed(3000, 0.1);
  samples = Describe(failed);
  EXPECT_EQ(samples[0], "{__name__=\"a\", instance=\"h:9100\", job=\"node\"} stale@3000");
  EXPECT_EQ(samples[1], "{__name__=\"up\", instance=\"h:9100\", job=\"node\"} 0.000000@3000");
  // Back: a is new again.
  auto back = target.Scraped("a 5\n", kText, 4000, 0.1);
  EXPECT_EQ(Describe(back.unit).back(),
            "{__name__=\"scrape_series_added\", instance=\"h:9100\", job=\"node\"} 1.000000@4000");
}

// The series of a scrape, without the report series: "name value" in the unit's order.
std::vector<std::string> Exposed(const MetricUnit& unit) {
  std::vector<std::string> out;
  for (const MetricSample& s : unit.samples) {
    std::string name(s.labels().Get("__name__"));
    if (name == "up" || name.starts_with("scrape_")) continue;
    out.push_back(name + " " + (IsStaleNaN(s.value) ? "stale" : std::to_string(s.value)));
  }
  return out;
}

TEST(ScrapeTargetTest, SeriesMovedAddedOrDroppedBetweenScrapesAreFoundAndShared) {
  TargetSamples target(Target(), false, true);
  auto first = target.Scraped("a 1\nb 2\nc 3\nd 4\n", kText, 1000, 0.1);
  // Reordered, one dropped (b), one added (e), one repeated (a: the first one counts).
  auto second = target.Scraped("c 30\na 10\ne 50\nd 40\na 11\n", kText, 2000, 0.1);
  EXPECT_THAT(Exposed(second.unit),
              ::testing::ElementsAre("c 30.000000", "a 10.000000", "e 50.000000", "d 40.000000",
                                     "b stale"));
  EXPECT_EQ(Describe(second.unit).back(),
            "{__name__=\"scrape_series_added\", instance=\"h:9100\", job=\"node\"} 1.000000@2000");
  // A series keeps its handle from scrape to scrape: its labels are neither copied nor
  // encoded again.
  auto third = target.Scraped("c 31\na 12\ne 51\nd 41\n", kText, 3000, 0.1);
  EXPECT_THAT(Exposed(third.unit),
              ::testing::ElementsAre("c 31.000000", "a 12.000000", "e 51.000000", "d 41.000000"));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(third.unit.samples[i].series, second.unit.samples[i].series);
  }
  EXPECT_EQ(third.unit.samples[1].series, first.unit.samples[0].series);  // a
}

TEST(ScrapeTargetTest, MalformedLinesCountedNeighboursKept) {
  TargetSamples target(Target(), false, true);
  auto outcome = target.Scraped("a 1\nb{x=\"1\" 2\nc 3\nd four\n", kText, 1000, 0.1);
  EXPECT_EQ(outcome.malformed_lines, 2u);
  EXPECT_THAT(outcome.first_error, HasSubstr("line 2:"));
  std::vector<std::string> samples = Describe(outcome.unit);
  EXPECT_EQ(samples[0], "{__name__=\"a\", instance=\"h:9100\", job=\"node\"} 1.000000@1000");
  EXPECT_EQ(samples[1], "{__name__=\"c\", instance=\"h:9100\", job=\"node\"} 3.000000@1000");
}

TEST(ScrapeTargetTest, MetadataFromHelpTypeAndUnit) {
  TargetSamples target(Target(), false, true);
  auto outcome = target.Scraped(
      "# HELP req_seconds Time.\n# TYPE req_seconds histogram\n# UNIT req_seconds seconds\n"
      "req_seconds_count 1\n# EOF\n",
      exposition::ExpositionFormat::kOpenMetrics, 1000, 0.1);
  EXPECT_EQ(outcome.malformed_lines, 0u);
  ASSERT_EQ(outcome.unit.metadata.size(), 1u);
  EXPECT_EQ(outcome.unit.metadata[0].metric, "req_seconds");
  EXPECT_EQ(outcome.unit.metadata[0].type, "histogram");
  EXPECT_EQ(outcome.unit.metadata[0].help, "Time.");
  EXPECT_EQ(outcome.unit.metadata[0].unit, "seconds");
  // The text format's untyped is Prometheus's unknown.
  auto text = target.Scraped("# TYPE free untyped\nfree 1\n", kText, 2000, 0.1);
  ASSERT_EQ(text.unit.metadata.size(), 1u);
  EXPECT_EQ(text.unit.metadata[0].type, "unknown");
}

TEST(ScrapeConfigTest, ParsesScrapeAndHostInputs) {
  auto config = ParseConfig(R"(
inputs:
  - type: scrape
    interval: 5s
    timeout: 2s
    honor_labels: true
    targets: [{url: "http://127.0.0.1:9100/metrics", labels: {job: node}}, {url: "https://h/m"}]
  - type: host
    interval: 30s
)");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->scrapes.size(), 1u);
  const ScrapeSource& s = config->scrapes[0];
  EXPECT_EQ(s.interval, std::chrono::seconds(5));
  EXPECT_EQ(s.timeout, std::chrono::seconds(2));
  EXPECT_TRUE(s.honor_labels);
  EXPECT_TRUE(s.honor_timestamps);
  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0].labels, (std::vector<Label>{{"job", "node"}}));
  ASSERT_TRUE(config->host_metrics.has_value());
  EXPECT_EQ(config->host_metrics->interval, std::chrono::seconds(30));
  EXPECT_EQ(*ScrapeInstance("https://h/m"), "h:443");
  EXPECT_EQ(*ScrapeInstance("http://[::1]:8080/x"), "[::1]:8080");
  // Host metrics are on with no input saying so, and off when one says enabled: false.
  EXPECT_TRUE(ParseConfig("server: x:1")->host_metrics.has_value());
  EXPECT_TRUE(DefaultConfig().host_metrics.has_value());
  EXPECT_FALSE(ParseConfig("inputs: [{type: host, enabled: false}]")->host_metrics.has_value());
}

TEST(ScrapeConfigTest, ErrorsNameTheInput) {
  auto error = [](const char* yaml) { return std::string(ParseConfig(yaml).status().message()); };
  EXPECT_EQ(error("inputs: [{type: scrape}]"), "input scrape-0: needs targets");
  EXPECT_EQ(error("inputs: [{type: scrape, targets: [{url: 'ftp://x/'}]}]"),
            "input scrape-0: url \"ftp://x/\": expected http:// or https://");
  EXPECT_EQ(error("inputs: [{type: scrape, targets: [{labels: {a: b}}]}]"),
            "inputs[0].targets[0]: needs a url");
  EXPECT_EQ(error("inputs: [{type: scrape, interval: 5s, timeout: 10s, targets: [{url: "
                  "'http://h/'}]}]"),
            "input scrape-0: timeout is longer than the interval");
  EXPECT_EQ(error("inputs: [{type: scrape, targets: [{url: 'http://h/', labels: {9a: b}}]}]"),
            "input scrape-0 target http://h/: label name \"9a\" is invalid: names match "
            "[a-zA-Z_][a-zA-Z0-9_]*");
  EXPECT_EQ(error("inputs: [{type: host, intervals: 5s}]"), "inputs[0].intervals: unknown key");
}

}  // namespace
}  // namespace vigie::collector
