#include "cli/chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <optional>
#include <variant>

#include "cli/table.h"
#include "common/strings.h"

namespace vigie::cli {

namespace {

// Metric names of every selector in `expr`.
void CollectMetricNames(const promql::Expr& expr, std::vector<std::string>* out) {
  auto visit = [out](const auto& node) {
    using T = std::decay_t<decltype(node)>;
    if constexpr (std::is_same_v<T, promql::LeafExpr>) {
      if (const auto* s = dynamic_cast<const promql::Selector*>(node.leaf.get())) {
        out->push_back(s->metric_name);
      }
    } else if constexpr (std::is_same_v<T, promql::ParenExpr>) {
      CollectMetricNames(*node.inner, out);
    } else if constexpr (std::is_same_v<T, promql::UnaryExpr>) {
      CollectMetricNames(*node.operand, out);
    } else if constexpr (std::is_same_v<T, promql::BinaryExpr>) {
      CollectMetricNames(*node.lhs, out);
      CollectMetricNames(*node.rhs, out);
    } else if constexpr (std::is_same_v<T, promql::Call>) {
      for (const promql::ExprPtr& arg : node.args) CollectMetricNames(*arg, out);
    } else if constexpr (std::is_same_v<T, promql::AggregateExpr>) {
      CollectMetricNames(*node.operand, out);
    } else if constexpr (std::is_same_v<T, promql::SubqueryExpr>) {
      CollectMetricNames(*node.inner, out);
    }
  };
  std::visit(visit, expr.node);
}

Unit UnitOfName(std::string_view name) {
  for (std::string_view suffix : {"_total", "_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) {
      name.remove_suffix(suffix.size());
      break;
    }
  }
  if (name.ends_with("_seconds")) return Unit::kSeconds;
  if (name.ends_with("_bytes")) return Unit::kBytes;
  if (name.ends_with("_ratio")) return Unit::kRatio;
  if (name.ends_with("_percent")) return Unit::kPercent;
  return Unit::kNone;
}

// `value` with about 3 significant digits, trailing zeros dropped: 1.5, 250, 0.125.
std::string Significant(double value) {
  std::string text = fmt::format("{:.3g}", value);
  if (text.find('e') != std::string::npos) text = fmt::format("{:.0f}", value);
  return text;
}

// value scaled by the largest of `prefixes` (factor, symbol) not above |value|.
std::string Scaled(double value,
                   std::initializer_list<std::pair<double, std::string_view>> prefixes,
                   std::string_view unit) {
  double magnitude = std::fabs(value);
  if (magnitude == 0) return StrCat("0", unit);
  for (auto [factor, symbol] : prefixes) {
    // 999.7 shown as 1k rather than "1e+03".
    if (magnitude >= factor * 0.9995) return StrCat(Significant(value / factor), symbol, unit);
  }
  auto [factor, symbol] = *(prefixes.end() - 1);
  return StrCat(Significant(value / factor), symbol, unit);
}

// A round step near `rough`: 1, 2 or 5 times a power of ten.
double NiceStep(double rough) {
  double power = std::pow(10, std::floor(std::log10(rough)));
  double f = rough / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

// ANSI foreground colours, one per series in turn.
constexpr std::string_view kColors[] = {"32", "33", "34", "35", "36", "31",
                                        "92", "93", "94", "95", "96", "91"};

std::string Paint(std::string_view text, int series, bool color) {
  if (!color || series < 0) return std::string(text);
  return StrCat("\x1b[", kColors[series % std::size(kColors)], "m", text, "\x1b[0m");
}

// U+2800 + dots, in UTF-8.
std::string Braille(uint8_t dots) {
  uint32_t cp = 0x2800 + dots;
  return {static_cast<char>(0xe0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
          static_cast<char>(0x80 | (cp & 0x3f))};
}

// The strftime format of the time axis: as precise as the span needs, so that its three labels
// differ (seconds under ten minutes, the date over a day).
const char* AxisTimeFormat(int64_t span_ms) {
  if (span_ms > 86'400'000) return "%m-%d %H:%M";
  if (span_ms < 600'000) return "%H:%M:%S";
  return "%H:%M";
}

std::string FormatAxisTime(int64_t ms, const char* format, bool utc) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm tm;
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char buf[32];
  strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

}  // namespace

Unit UnitOfQuery(const promql::Expr& expr) {
  std::vector<std::string> names;
  CollectMetricNames(expr, &names);
  std::optional<Unit> unit;
  for (const std::string& name : names) {
    Unit u = UnitOfName(name);
    if (unit && *unit != u) return Unit::kNone;
    unit = u;
  }
  return unit.value_or(Unit::kNone);
}

std::string FormatWithUnit(double value, Unit unit) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  switch (unit) {
    case Unit::kSeconds:
      if (std::fabs(value) >= 3600) return StrCat(Significant(value / 3600), "h");
      if (std::fabs(value) >= 60) return StrCat(Significant(value / 60), "m");
      return Scaled(value, {{1, ""}, {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}}, "s");
    case Unit::kBytes:
      return Scaled(value, {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}}, "B");
    case Unit::kRatio:
      return StrCat(Significant(value * 100), "%");
    case Unit::kPercent:
      return StrCat(Significant(value), "%");
    case Unit::kNone:
      if (std::fabs(value) >= 1e-2 && std::fabs(value) < 999.5) return Significant(value);
      return Scaled(
          value, {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1e-3, "m"}, {1e-6, "µ"}}, "");
  }
  return Significant(value);
}

std::string RenderChart(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  double lo = INFINITY, hi = -INFINITY;
  for (const ChartSeries& s : series) {
    for (auto [ts, v] : s.points) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) return "(no finite values to chart)\n";
  if (lo == hi) {
    double pad = std::max(std::fabs(lo) * 0.1, 1.0);
    hi += pad;
    lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
  }
  // Round bounds, 2 to 5 steps apart, each step labelled on the axis.
  double step = NiceStep((hi - lo) / 4);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  int steps = static_cast<int>(std::lround((hi - lo) / step));

  const int height = std::max(options.height, 3);
  std::vector<std::string> labels(height);
  for (int k = 0; k <= steps; ++k) {
    int row = static_cast<int>(std::lround(static_cast<double>(k) * (height - 1) / steps));
    labels[row] = FormatWithUnit(hi - k * step, options.unit);
  }
  size_t label_width = 0;
  for (const std::string& l : labels) label_width = std::max(label_width, DisplayWidth(l));
  const int width = std::max(options.width, 20) - static_cast<int>(label_width) - 2;

  // Dots: 2 per column, 4 per row; each cell remembers the last series drawn in it.
  const int dots_x = width * 2, dots_y = height * 4;
  std::vector<uint8_t> cells(static_cast<size_t>(width) * height, 0);
  std::vector<int> owner(cells.size(), -1);
  auto plot = [&](int x, int y, int s) {
    if (x < 0 || x >= dots_x || y < 0 || y >= dots_y) return;
    static constexpr uint8_t kBits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    size_t cell = static_cast<size_t>(y / 4) * width + x / 2;
    cells[cell] |= kBits[x % 2][y % 4];
    owner[cell] = s;
  };
  const double span_ms = std::max<double>(options.end_ms - options.start_ms, 1);
  auto to_x = [&](int64_t ts) {
    return static_cast<int>(std::lround((ts - options.start_ms) / span_ms * (dots_x - 1)));
  };
  auto to_y = [&](double v) {
    return static_cast<int>(std::lround((hi - v) / (hi - lo) * (dots_y - 1)));
  };
  for (size_t i = 0; i < series.size(); ++i) {
    int s = static_cast<int>(i);
    std::optional<std::pair<int64_t, double>> prev;
    for (auto [ts, v] : series[i].points) {
      if (!std::isfinite(v)) {
        prev.reset();
        continue;
      }
      int x = to_x(ts), y = to_y(v);
      if (prev && ts - prev->first <= options.step_ms) {
        int x0 = to_x(prev->first), y0 = to_y(prev->second);
        int n = std::max(std::abs(x - x0), std::abs(y - y0));
        for (int j = 1; j < n; ++j) {
          plot(x0 + static_cast<int>(std::lround(static_cast<double>(x - x0) * j / n)),
               y0 + static_cast<int>(std::lround(static_cast<double>(y - y0) * j / n)), s);
        }
      }
      plot(x, y, s);
      prev = {ts, v};
    }
  }

  std::string out;
  for (int row = 0; row < height; ++row) {
    StrAppend(&out, std::string(label_width - DisplayWidth(labels[row]), ' '), labels[row],
              labels[row].empty() ? " │" : " ┤");
    for (int col = 0; col < width; ++col) {
      size_t cell = static_cast<size_t>(row) * width + col;
      out += cells[cell] == 0 ? " " : Paint(Braille(cells[cell]), owner[cell], options.color);
    }
    out += '\n';
  }
  StrAppend(&out, std::string(label_width + 1, ' '), "└");
  for (int col = 0; col < width; ++col) out += "─";
  out += '\n';

  // Times under the axis: start at the left, end at the right, the middle in between.
  const char* format = AxisTimeFormat(options.end_ms - options.start_ms);
  std::string left = FormatAxisTime(options.start_ms, format, options.utc);
  std::string middle = FormatAxisTime(options.start_ms + (options.end_ms - options.start_ms) / 2,
                                      format, options.utc);
  std::string right = FormatAxisTime(options.end_ms, format, options.utc);
  std::string axis(static_cast<size_t>(width), ' ');
  axis.replace(0, left.size(), left);
  if (width > static_cast<int>(left.size() + middle.size() + right.size()) + 4) {
    axis.replace((width - middle.size()) / 2, middle.size(), middle);
  }
  axis.replace(width - right.size(), right.size(), right);
  StrAppend(&out, std::string(label_width + 2, ' '), axis, "\n");

  int shown = std::min<int>(static_cast<int>(series.size()), options.max_legend);
  for (int i = 0; i < shown; ++i) {
    StrAppend(&out, "  ", Paint("━━", i, options.color), " ", series[i].name, "\n");
  }
  if (static_cast<int>(series.size()) > shown) {
    StrAppend(&out, "  … and ", series.size() - shown,
              " more series (--output table lists them all)\n");
  }
  return out;
}

}  // namespace vigie::cli
