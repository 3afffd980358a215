// Terminal charts: units, axis labels, braille dots, colours, gaps and the legend.
#include "cli/chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "common/limits.h"
#include "query/promql/parser.h"

namespace vigie::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The dots of one braille character (3 bytes of UTF-8).
int Dots(std::string_view cell) {
  if (cell.size() != 3) return 0;
  int cp = ((cell[0] & 0x0f) << 12) | ((cell[1] & 0x3f) << 6) | (cell[2] & 0x3f);
  return cp >= 0x2800 && cp <= 0x28ff ? cp - 0x2800 : 0;
}

Unit UnitOf(std::string_view query) { return UnitOfQuery(**promql::Parse(query, Limits())); }

TEST(ChartTest, UnitsFollowPrometheusMetricNames) {
  EXPECT_EQ(UnitOf("rate(process_cpu_seconds_total[5m])"), Unit::kSeconds);
  EXPECT_EQ(UnitOf("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_"
                   "bucket[5m])))"),
            Unit::kSeconds);
  EXPECT_EQ(UnitOf("node_memory_MemFree_bytes / 2"), Unit::kBytes);
  EXPECT_EQ(UnitOf("cache_hit_ratio"), Unit::kRatio);
  EXPECT_EQ(UnitOf("up"), Unit::kNone);
  EXPECT_EQ(UnitOf("foo_bytes + bar_seconds"), Unit::kNone);  // Mixed: no unit.
  EXPECT_EQ(UnitOf("1 + 1"), Unit::kNone);
}

TEST(ChartTest, ValuesWithUnits) {
  EXPECT_EQ(FormatWithUnit(0, Unit::kNone), "0");
  EXPECT_EQ(FormatWithUnit(0.25, Unit::kNone), "0.25");
  EXPECT_EQ(FormatWithUnit(1500, Unit::kNone), "1.5k");
  EXPECT_EQ(FormatWithUnit(999.9, Unit::kNone), "1k");
  EXPECT_EQ(FormatWithUnit(2e6, Unit::kNone), "2M");
  EXPECT_EQ(FormatWithUnit(-3e9, Unit::kNone), "-3G");
  EXPECT_EQ(FormatWithUnit(0.002, Unit::kNone), "2m");
  EXPECT_EQ(FormatWithUnit(0.25, Unit::kSeconds), "250ms");
  EXPECT_EQ(FormatWithUnit(1.5, Unit::kSeconds), "1.5s");
  EXPECT_EQ(FormatWithUnit(90, Unit::kSeconds), "1.5m");
  EXPECT_EQ(FormatWithUnit(7200, Unit::kSeconds), "2h");
  EXPECT_EQ(FormatWithUnit(12e3, Unit::kBytes), "12kB");
  EXPECT_EQ(FormatWithUnit(0.45, Unit::kRatio), "45%");
  EXPECT_EQ(FormatWithUnit(45, Unit::kPercent), "45%");
  EXPECT_EQ(FormatWithUnit(NAN, Unit::kNone), "NaN");
  EXPECT_EQ(FormatWithUnit(-INFINITY, Unit::kBytes), "-Inf");
}

ChartOptions Options(int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  ChartOptions o;
  o.width = 40;
  o.height = 5;
  o.start_ms = start_ms;
  o.end_ms = end_ms;
  o.step_ms = step_ms;
  o.utc = true;
  return o;
}

TEST(ChartTest, RisingLineFromBottomLeftToTopRight) {
  // 0, 25, 50, 75, 100 over 4 minutes from 2023-11-14T22:13:20Z.
  int64_t t0 = 1'700'000'000'000;
  ChartSeries s{"up{job=\"a\"}", {}};
  for (int i = 0; i <= 4; ++i) s.points.emplace_back(t0 + i * 60'000, i * 25.0);
  std::vector<std::string> lines = Lines(RenderChart({s}, Options(t0, t0 + 240'000, 60'000)));
  ASSERT_EQ(lines.size(), 5u + 3u);  // 5 rows, the axis, the times, one legend line.
  // Round bounds 0..100, labelled at the top and bottom rows.
  EXPECT_TRUE(lines[0].starts_with("100 ┤")) << lines[0];
  EXPECT_TRUE(lines[4].starts_with("  0 ┤")) << lines[4];
  // The top row's last cell has the top-right dot (0x08: right column, top); the bottom row's
  // first cell has the bottom-left dot (0x40: left column, bottom).
  EXPECT_TRUE(Dots(lines[0].substr(lines[0].size() - 3)) & 0x08) << lines[0];
  EXPECT_TRUE(Dots(lines[4].substr(std::string("  0 ┤").size(), 3)) & 0x40) << lines[4];
  // Every row has dots: the line is joined.
  for (int row = 0; row < 5; ++row) EXPECT_THAT(lines[row], HasSubstr("\xe2\xa0")) << row;
  EXPECT_THAT(lines[5], HasSubstr("└──"));
  // Under ten minutes the times have seconds, so that the three labels differ.
  EXPECT_TRUE(lines[6].find("22:13:20") != std::string::npos) << lines[6];
  EXPECT_TRUE(lines[6].ends_with("22:17:20")) << lines[6];
  EXPECT_EQ(lines[7], "  ━━ up{job=\"a\"}");
}

TEST(ChartTest, TimeLabelsAreAsPreciseAsTheSpanNeeds) {
  int64_t t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  ChartSeries s{"x", {{t0, 1}, {t0 + 60'000, 2}}};
  EXPECT_TRUE(Lines(RenderChart({s}, Options(t0, t0 + 7'200'000, 60'000)))[6].ends_with("00:13"));
  EXPECT_TRUE(Lines(RenderChart({s}, Options(t0, t0 + 172'800'000, 3'600'000)))[6].ends_with(
      "11-16 22:13"));
}

TEST(ChartTest, PointsFurtherApartThanAStepAreNotJoined) {
  int64_t t0 = 1'700'000'000'000;
  ChartSeries s{"gap", {{t0, 0}, {t0 + 240'000, 100}}};
  std::string joined = RenderChart({s}, Options(t0, t0 + 240'000, 240'000));
  std::string apart = RenderChart({s}, Options(t0, t0 + 240'000, 60'000));
  std::vector<std::string> rows = Lines(apart);
  EXPECT_THAT(rows[2], Not(HasSubstr("\xe2\xa0")));  // Nothing in the middle row.
  EXPECT_THAT(Lines(joined)[2], HasSubstr("\xe2"));
}

TEST(ChartTest, OneColourPerSeriesAndALegendThatCounts) {
  int64_t t0 = 1'700'000'000'000;
  std::vector<ChartSeries> series;
  for (int i = 0; i < 3; ++i) {
    series.push_back({"s" + std::to_string(i), {{t0, double(i)}, {t0 + 60'000, double(i + 1)}}});
  }
  ChartOptions o = Options(t0, t0 + 60'000, 60'000);
  o.color = true;
  o.max_legend = 2;
  std::string chart = RenderChart(series, o);
  EXPECT_THAT(chart, HasSubstr("\x1b[32m━━\x1b[0m s0"));
  EXPECT_THAT(chart, HasSubstr("\x1b[33m━━\x1b[0m s1"));
  EXPECT_THAT(chart, HasSubstr("… and 1 more series"));
  EXPECT_THAT(chart, HasSubstr("\x1b[34m\xe2\xa0"));  // s2's dots, in its colour.
  EXPECT_THAT(RenderChart(series, Options(t0, t0 + 60'000, 60'000)), Not(HasSubstr("\x1b[")));
}

TEST(ChartTest, FlatAndEmptySeries) {
  int64_t t0 = 1'700'000'000'000;
  ChartOptions o = Options(t0, t0 + 60'000, 60'000);
  o.unit = Unit::kSeconds;
  std::string flat = RenderChart({{"flat", {{t0, 5}, {t0 + 60'000, 5}}}}, o);
  EXPECT_THAT(flat, HasSubstr("6s ┤"));  // 5 padded to a range around it.
  EXPECT_EQ(RenderChart({{"nan", {{t0, NAN}}}}, o), "(no finite values to chart)\n");
}

}  // namespace
}  // namespace vigie::cli
