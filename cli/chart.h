// Terminal charts of PromQL range results: braille dots (2x4 per character cell), one colour
// per series, a y-axis with units and a time axis, then a legend. Pure functions of their
// arguments, so that tests compare the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/promql/ast.h"

namespace vigie::cli {

// How the y-axis writes values. kRatio values (0 to 1) are shown as percents.
enum class Unit { kNone, kSeconds, kBytes, kRatio, kPercent };

// The unit of a query's values, from the metric names it selects, following Prometheus's
// naming conventions: every selected metric named *_seconds (or _seconds_total, _bucket,
// _sum, _count) gives kSeconds, *_bytes kBytes, *_ratio kRatio, *_percent kPercent;
// anything else, or metrics of mixed units, kNone.
Unit UnitOfQuery(const promql::Expr& expr);

// `value` in `unit` with about 3 significant digits: 1.5k, 2M, 250ms, 1.5s, 3m, 12kB, 45%,
// 0.25 (kNone uses SI prefixes k M G T and m µ).
std::string FormatWithUnit(double value, Unit unit);

struct ChartSeries {
  std::string name;                                // The legend text.
  std::vector<std::pair<int64_t, double>> points;  // (ms, value), ascending.
};

struct ChartOptions {
  int width = 80;   // Columns in all, axis included (at least 20).
  int height = 12;  // Rows of the plot (at least 3).
  Unit unit = Unit::kNone;
  bool color = false;  // ANSI colours: one per series, cycling through 12.
  // The time range of the x-axis and the step between points: points further apart than one
  // step are not joined (the series had no value in between).
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 1;
  bool utc = false;     // Times on the axis in UTC rather than local time.
  int max_legend = 12;  // Series named in the legend; the rest are counted.
};

// The chart, lines ending in '\n'. Non-finite values are not drawn; without any finite value
// the chart is one line saying so.
std::string RenderChart(const std::vector<ChartSeries>& series, const ChartOptions& options);

}  // namespace vigie::cli
