#include <bit>
#include <charconv>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "collector/inputs/statsd_aggregate.h"
#include "collector/inputs/statsd_parse.h"

namespace vigie::collector {
namespace {

TEST(CollectorStatsdParseTest, ReadsEveryTypeRateAndTags) {
  StatsdLine line;
  ParseStatsdLine("api.logins:3|c|@0.5|#env:prod,dc:par", &line);
  EXPECT_EQ(line.malformed, 0u);
  EXPECT_EQ(line.name, "api.logins");
  EXPECT_EQ(line.tags, "env:prod,dc:par");
  ASSERT_EQ(line.values.size(), 1u);
  EXPECT_EQ(line.values[0].type, StatsdType::kCounter);
  EXPECT_EQ(line.values[0].number, 3);
  EXPECT_EQ(line.values[0].sample_rate, 0.5);

  ParseStatsdLine("q:-4|g", &line);
  ASSERT_EQ(line.values.size(), 1u);
  EXPECT_TRUE(line.values[0].delta);
  EXPECT_EQ(line.values[0].number, -4);
  ParseStatsdLine("q:4|g", &line);
  EXPECT_FALSE(line.values[0].delta);

  ParseStatsdLine("t:320.5|ms\r", &line);
  EXPECT_EQ(line.values[0].type, StatsdType::kTimer);
  EXPECT_EQ(line.values[0].number, 320.5);
  ParseStatsdLine("u:alice|s", &line);
  EXPECT_EQ(line.values[0].type, StatsdType::kSet);
  EXPECT_EQ(line.values[0].member, "alice");
  ParseStatsdLine("h:-2|h", &line);
  EXPECT_EQ(line.values[0].type, StatsdType::kHistogram);
}

TEST(CollectorStatsdParseTest, SeveralValuesOfOneNameEachCheckedOnItsOwn) {
  StatsdLine line;
  ParseStatsdLine("gorets:1|c:2|ms:x|c:5|g", &line);
  ASSERT_EQ(line.values.size(), 3u);
  EXPECT_EQ(line.values[1].type, StatsdType::kTimer);
  EXPECT_EQ(line.values[2].number, 5);
  EXPECT_EQ(line.malformed, 1u);
  EXPECT_STREQ(line.error, "the value is not a number");
}

TEST(CollectorStatsdParseTest, RefusesWhatEtsysStatsdRefuses) {
  StatsdLine line;
  for (const char* bad :
       {"nocolon", ":1|c", "a:1", "a:1|c|0.5", "a:1|c|@-1", "a:1|c|@0", "a:1|c|", "a:abc|c", "a:|c",
        "a:-5|ms", "a:1|zz", "a:0x10|c", "a:NaN|g", "a: 1|c"}) {
    ParseStatsdLine(bad, &line);
    EXPECT_TRUE(line.values.empty()) << bad;
    EXPECT_EQ(line.malformed, 1u) << bad;
    EXPECT_NE(line.error, nullptr) << bad;
  }
  ParseStatsdLine("", &line);
  EXPECT_EQ(line.malformed, 0u);
  ParseStatsdLine("a:|s", &line);  // An empty set member is '0', as in Etsy's statsd.
  EXPECT_EQ(line.values[0].member, "0");
  double v;
  EXPECT_TRUE(ParseStatsdNumber("1e3", &v) && v == 1000);
  EXPECT_TRUE(ParseStatsdNumber("+.5", &v) && v == 0.5);
  EXPECT_TRUE(ParseStatsdNumber("-Infinity", &v) && std::isinf(v) && v < 0);
  EXPECT_FALSE(ParseStatsdNumber("inf", &v));
}

TEST(CollectorStatsdParseTest, ShortDecimalsParseToTheSameDoubleAsFromChars) {
  // Short decimals take a fast path; it must give the correctly rounded double, bit for bit.
  std::mt19937_64 rng(13);
  for (int i = 0; i < 200000; ++i) {
    std::string text = std::to_string(rng() % 1'000'000'000'000'000ULL);
    text.resize(1 + rng() % std::min<size_t>(text.size(), 16));
    if (rng() % 2) text.insert(rng() % (text.size() + 1), ".");
    double expected, got;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expected);
    ASSERT_EQ(ParseStatsdNumber(text, &got),
              error == std::errc() && end == text.data() + text.size())
        << text;
    if (error == std::errc())
      EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(expected)) << text;
  }
  double v;
  EXPECT_TRUE(ParseStatsdNumber("-0", &v) && std::signbit(v));
  EXPECT_FALSE(ParseStatsdNumber(".", &v));
  EXPECT_FALSE(ParseStatsdNumber("1.2.3", &v));
}

// The samples of one flush by series text, e.g. {__name__="a_total", host="h"}.
std::map<std::string, double> ByLabels(const MetricUnit& unit) {
  std::map<std::string, double> out;
  for (const MetricSample& s : unit.samples) {
    EXPECT_TRUE(out.emplace(s.labels().ToString(), s.value).second) << s.labels().ToString();
  }
  return out;
}

TEST(CollectorStatsdAggregateTest, FlushesEtsySemanticsAsPrometheusTypes) {
  StatsdAggregator agg({.percentiles = {50, 90}, .labels = {{"host", "h"}}});
  StatsdAggregator::Counts counts;
  agg.AddLines("a.b:1|c\na.b:2|c|@0.1\ng:10|g\ng:-3|g\ng:+1|g\nset:x|s\nset:y|s\nset:x|s", 1000,
               &counts);
  std::string timers;
  for (int i = 1; i <= 10; ++i) timers += "t.x:" + std::to_string(i * 100) + "|ms\n";
  agg.AddLines(timers, 1000, &counts);
  EXPECT_EQ(counts.metrics, 18u);
  EXPECT_EQ(counts.malformed, 0u);

  MetricUnit unit = agg.Flush(2000);
  for (const MetricSample& s : unit.samples) EXPECT_EQ(s.ts_ms, 2000);
  auto got = ByLabels(unit);
  EXPECT_EQ(got[R"({__name__="a_b_total", host="h"})"], 21);
  EXPECT_EQ(got[R"({__name__="g", host="h"})"], 8);
  EXPECT_EQ(got[R"({__name__="set", host="h"})"], 2);
  // Etsy's upper_50: the largest of the lowest round(0.5 * 10) = 5 values; upper_90: 9 values.
  EXPECT_DOUBLE_EQ(got[R"({__name__="t_x_seconds", host="h", quantile="0.5"})"], 0.5);
  EXPECT_DOUBLE_EQ(got[R"({__name__="t_x_seconds", host="h", quantile="0.9"})"], 0.9);
  EXPECT_DOUBLE_EQ(got[R"({__name__="t_x_seconds_sum", host="h"})"], 5.5);
  EXPECT_EQ(got[R"({__name__="t_x_seconds_count", host="h"})"], 10);
  ASSERT_EQ(unit.metadata.size(), 4u);

  // The next flush: counters and summaries' _sum/_count are cumulative, gauges keep their
  // value, sets count the new flush only, quantiles without values are NaN.
  agg.AddLines("a.b:4|c\nt.x:1000|ms\nset:z|s", 2500, &counts);
  got = ByLabels(agg.Flush(3000));
  EXPECT_EQ(got[R"({__name__="a_b_total", host="h"})"], 25);
  EXPECT_EQ(got[R"({__name__="g", host="h"})"], 8);
  EXPECT_EQ(got[R"({__name__="set", host="h"})"], 1);
  EXPECT_DOUBLE_EQ(got[R"({__name__="t_x_seconds", host="h", quantile="0.9"})"], 1);
  EXPECT_EQ(got[R"({__name__="t_x_seconds_count", host="h"})"], 11);
  got = ByLabels(agg.Flush(4000));
  EXPECT_TRUE(std::isnan(got[R"({__name__="t_x_seconds", host="h", quantile="0.9"})"]));
  EXPECT_EQ(got[R"({__name__="set", host="h"})"], 0);
}

TEST(CollectorStatsdAggregateTest, TagsAreLabelsWhateverTheirOrder) {
  StatsdAggregator agg({.labels = {{"env", "configured"}}});
  StatsdAggregator::Counts counts;
  agg.AddLines(
      "req:1|c|#path:/a,code:200\nreq:1|c|#code:200,path:/a\nreq:1|c|#code:500,env:x\n"
      "req:1|c|#__bad:1\n7days-ago:1|g",
      1000, &counts);
  EXPECT_EQ(counts.malformed, 1u);
  EXPECT_NE(counts.first_error.find("__bad"), std::string::npos) << counts.first_error;
  auto got = ByLabels(agg.Flush(2000));
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ((got[R"({__name__="req_total", code="200", env="configured", path="/a"})"]), 2);
  EXPECT_EQ((got[R"({__name__="req_total", code="500", env="configured"})"]), 1);
  EXPECT_EQ((got[R"({__name__="_7days_ago", env="configured"})"]), 1);
}

// Enough metrics for the table to grow several times, names past the record's inline key bytes,
// a metric created and added to again in one batch of lines, other spellings of a tagged key,
// and idle metrics dropped between the even ones that stay: every total lands where it belongs.
TEST(CollectorStatsdAggregateTest, ManyMetricsKeepTheirTotalsThroughGrowthAndDrops) {
  StatsdAggregator agg({.delete_idle_after_ms = 10000});
  StatsdAggregator::Counts counts;
  constexpr int kMetrics = 5000;
  auto name = [](int i) {
    return "m" + std::to_string(i) + (i % 7 == 0 ? "_" + std::string(80, 'x') : "");
  };
  std::string lines;
  for (int i = 0; i < kMetrics; ++i) {
    lines += name(i) + ":1|c|#a:" + std::to_string(i % 3) + ",b:1\n" + name(i) + ":2|c\n";
  }
  for (int i = 0; i < kMetrics; i += 2)
    lines += name(i) + ":4|c|#b:1,a:" + std::to_string(i % 3) + "\n";
  agg.AddLines(lines, 0, &counts);
  EXPECT_EQ(counts.metrics, 2u * kMetrics + kMetrics / 2);
  EXPECT_EQ(agg.size(), 2u * kMetrics);
  agg.Flush(5000);
  // Only the even ones get values again: the odd ones are dropped as idle at 10 s.
  lines.clear();
  for (int i = 0; i < kMetrics; i += 2) {
    lines += name(i) + ":8|c|#b:1,a:" + std::to_string(i % 3) + "\n" + name(i) + ":16|c\n";
  }
  agg.AddLines(lines, 6000, &counts);
  auto got = ByLabels(agg.Flush(10000));
  EXPECT_EQ(agg.size(), static_cast<size_t>(kMetrics));
  for (int i = 0; i < kMetrics; ++i) {
    std::string family = name(i) + "_total";
    std::string tagged =
        "{__name__=\"" + family + "\", a=\"" + std::to_string(i % 3) + "\", b=\"1\"}";
    std::string plain = "{__name__=\"" + family + "\"}";
    if (i % 2 == 0) {
      EXPECT_EQ(got[tagged], 1 + 4 + 8) << tagged;
      EXPECT_EQ(got[plain], 2 + 16) << plain;
    } else {
      EXPECT_TRUE(std::isnan(got[tagged])) << tagged;
      EXPECT_TRUE(std::isnan(got[plain])) << plain;
    }
  }
}

TEST(CollectorStatsdAggregateTest, IdleMetricsAreDroppedWithStalenessMarkers) {
  StatsdAggregator agg({.delete_idle_after_ms = 10000});
  StatsdAggregator::Counts counts;
  agg.AddLines("old:1|c\nkept:1|g", 0, &counts);
  EXPECT_EQ(agg.Flush(5000).samples.size(), 2u);
  agg.AddLines("kept:2|g", 6000, &counts);
  MetricUnit unit = agg.Flush(10000);
  auto got = ByLabels(unit);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::isnan(got[R"({__name__="old_total"})"]));
  EXPECT_EQ(got[R"({__name__="kept"})"], 2);
  EXPECT_EQ(agg.size(), 1u);
  // A metric that comes back starts again from zero (a counter reset, as after a restart).
  agg.AddLines("old:3|c", 11000, &counts);
  got = ByLabels(agg.Flush(12000));
  EXPECT_EQ(got[R"({__name__="old_total"})"], 3);
}

}  // namespace
}  // namespace vigie::collector
