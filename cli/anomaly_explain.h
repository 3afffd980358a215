// vigie anomaly explain EXPR: why an `anomaly:` rule fired, or would fire. Runs a PromQL or LogQL
// metric expression over a stored range, feeds each series through a fresh detector online (as
// a rule evaluating it from the start of the range would have), and draws the curve, the learned
// band and the points outside it in the terminal, or writes them as JSON (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/detectors/detector.h"
#include "cli/chart.h"
#include "cli/client.h"

namespace vigie::cli {

struct AnomalyExplainOptions {
  std::string expr;
  std::string since = "7d";
  std::string until;  // Empty: now.
  std::string step;   // Empty: the range / 10000, at least 1m.
  std::string detector;
  std::string direction = "both";
  std::string sensitivity = "medium";
  std::string output = "chart";  // chart or json.
  std::string color = "auto";
  std::string timeout = "2m";
};

// Adds `anomaly explain` under `anomaly` (cli/anomaly_commands.h).
CLI::App* AddAnomalyExplainCommand(CLI::App* anomaly, AnomalyExplainOptions* options);

int RunAnomalyExplain(const ClientOptions& client, const AnomalyExplainOptions& options);

// The pure part, for tests.

// One point of a curve with what the detector made of it.
struct ExplainedPoint {
  int64_t ts_ms = 0;
  double value = 0;
  alerts::detectors::Verdict verdict;
  alerts::detectors::Band band;  // At the sensitivity asked for.
  bool anomalous = false;        // A rule of that direction and sensitivity fires on it.
};

struct ExplainRule {
  alerts::detectors::Direction direction = alerts::detectors::Direction::kBoth;
  alerts::detectors::Sensitivity sensitivity = alerts::detectors::Sensitivity::kMedium;
};

// Feeds `points` (ascending) through `detector`, one by one.
std::vector<ExplainedPoint> ExplainCurve(const std::vector<std::pair<int64_t, double>>& points,
                                         alerts::detectors::Detector& detector,
                                         const ExplainRule& rule);

// The chart of one series (the curve, the band's two edges, the anomalous points), a line saying
// how many points are anomalous and until when the detector was learning, and a table of the
// anomalous points (time, value, expected value, band, score), at most `max_rows` of them, the
// latest. `name` is the series' labels.
std::string RenderExplanation(std::string_view name, const std::vector<ExplainedPoint>& points,
                              const ChartOptions& chart, size_t max_rows = 20);

// {"labels": {...}, "points": [{"time": "...", "value": v, "expected": e, "lower": l,
// "upper": u, "score": s, "learning": b, "anomalous": b}, ...]}: one series, every point, the
// band at the sensitivity asked for. Non-finite numbers are written as strings ("NaN").
std::string ExplanationJson(std::string_view labels_json,
                            const std::vector<ExplainedPoint>& points);

}  // namespace vigie::cli
