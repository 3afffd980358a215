#include "cli/anomaly_explain.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "alerts/rules/rule_expr.h"
#include "cli/output.h"
#include "cli/promql_output.h"
#include "cli/time_flags.h"
#include "common/strings.h"
#include "common/time.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::cli {
namespace {

namespace detectors = alerts::detectors;

// Series explained at most: each gets its own chart.
constexpr int kMaxSeries = 10;
// Points per series at most when --step is not given, and the least step then (an `anomaly:`
// rule sees one point per evaluation, every minute by default).
constexpr int64_t kMaxPoints = 10'000;
constexpr int64_t kLeastDefaultStepMs = 60'000;

struct Curve {
  google::protobuf::RepeatedPtrField<v1::Label> labels;
  std::vector<std::pair<int64_t, double>> points;
};

Curve ToCurve(const v1::MetricSeries& series) {
  Curve curve{series.labels(), {}};
  for (const v1::Sample& p : series.points()) curve.points.emplace_back(p.ts_ms(), p.value());
  return curve;
}

// The series of a PromQL range query; kExitOk or the exit code (said on stderr).
int FetchPromql(const ClientOptions& client, const std::string& expr, int64_t start_ms,
                int64_t end_ms, int64_t step_ms, int64_t timeout_ns, std::vector<Curve>* out) {
  v1::PromQueryRequest request;
  request.set_query(expr);
  request.set_start_ms(start_ms);
  request.set_end_ms(end_ms);
  request.set_step_ms(step_ms);
  request.set_timeout_ms(timeout_ns / kNanosPerMilli);
  auto stub = v1::Query::NewStub(Connect(client));
  v1::PromQueryResponse response;
  int code = CallUnary(client, timeout_ns, [&](grpc::ClientContext* context) {
    return stub->PromQuery(context, request, &response);
  });
  for (const v1::MetricSeries& s : response.series()) out->push_back(ToCurve(s));
  return code;
}

// The series of a LogQL metric query over the range, gathered from the Grep stream (`timeout`:
// the --timeout flag, for the error message).
int FetchLogql(const ClientOptions& client, const std::string& expr, int64_t start_ms,
               int64_t end_ms, int64_t step_ms, int64_t timeout_ns, std::string_view timeout,
               std::vector<Curve>* out) {
  v1::GrepRequest request;
  request.set_query(expr);
  request.set_start_ns(start_ms * kNanosPerMilli);
  request.set_end_ns(end_ms * kNanosPerMilli);
  request.set_step_ns(step_ms * kNanosPerMilli);
  auto stub = v1::Query::NewStub(Connect(client));
  auto context = NewContext(client);
  SetTimeout(context.get(), timeout_ns);
  CancelOnInterrupt interrupt(context.get());
  auto reader = stub->Grep(context.get(), request);
  v1::GrepResponse response;
  bool done = false;
  while (!done && reader->Read(&response)) {
    for (const v1::MetricSeries& s : response.series()) out->push_back(ToCurve(s));
    done = response.done();
  }
  return FinishStream(client, FinishStreamCall(*reader, context.get()), done,
                      interrupt.interrupted(), /*shown=*/0, timeout);
}

std::string Time(int64_t ms) { return FormatRfc3339Millis(ms); }

std::string JsonNumber(double v) {
  return std::isfinite(v) ? PromValueText(v) : "\"" + PromValueText(v) + "\"";
}

}  // namespace

CLI::App* AddAnomalyExplainCommand(CLI::App* anomaly, AnomalyExplainOptions* options) {
  CLI::App* cmd = anomaly->add_subcommand(
      "explain", "Draw a curve from vigied, the band a detector learns of it, and its anomalies");
  cmd->add_option("expr", options->expr,
                  "A PromQL expression or a LogQL metric query, as an anomaly: rule's expr")
      ->required();
  cmd->add_option("--since", options->since, "How far back the range starts, before --until")
      ->capture_default_str();
  cmd->add_option("--until", options->until,
                  "The range's end: RFC 3339, Unix seconds, or a duration ago (default now)");
  cmd->add_option("--step", options->step,
                  "Time between points (default: the range / 10000, at least 1m, as a rule "
                  "evaluated every minute sees it)");
  options->detector = std::string(detectors::kDefaultDetector);
  cmd->add_option("--detector", options->detector, "Which detector learns the curve")
      ->capture_default_str()
      ->check(CLI::IsMember(detectors::DetectorNames()));
  cmd->add_option("--direction", options->direction,
                  "The side of the band that counts: up, down or both")
      ->capture_default_str();
  cmd->add_option("--sensitivity", options->sensitivity,
                  "How far out a point must be: low, medium or high (docs/anomaly.md)")
      ->capture_default_str();
  cmd->add_option("-o,--output", options->output,
                  "chart (a chart per series and a table of the anomalous points) or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"chart", "json"}));
  cmd->add_option("--color", options->color, "auto, always or never")->capture_default_str();
  cmd->add_option("--timeout", options->timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  cmd->footer(
      "Each series of the expression gets a fresh detector that learns it from the start of\n"
      "the range, point by point, exactly as an anomaly: rule would: the first day is warm-up\n"
      "(learning, never anomalous). Up to 10 series are shown.\n"
      "Example: vigie anomaly explain 'sum(rate(logins_total[5m]))' --since 7d");
  return cmd;
}

std::vector<ExplainedPoint> ExplainCurve(const std::vector<std::pair<int64_t, double>>& points,
                                         detectors::Detector& detector, const ExplainRule& rule) {
  std::vector<ExplainedPoint> out;
  out.reserve(points.size());
  for (const auto& [ts, value] : points) {
    ExplainedPoint p{ts, value, detector.Observe(ts, value)};
    p.band = detectors::BandFor(p.verdict, rule.sensitivity);
    p.anomalous = detectors::Fires(p.verdict, value, rule.direction, rule.sensitivity);
    out.push_back(p);
  }
  return out;
}

std::string RenderExplanation(std::string_view name, const std::vector<ExplainedPoint>& points,
                              const ChartOptions& chart, size_t max_rows) {
  ChartSeries value{"value", {}}, lower{"band, lower edge", {}}, upper{"band, upper edge", {}},
      anomalous{"anomalous", {}};
  std::vector<const ExplainedPoint*> rows;
  int64_t learned_at = -1;
  bool learning = true;
  for (const ExplainedPoint& p : points) {
    value.points.emplace_back(p.ts_ms, p.value);
    if (p.verdict.skipped) continue;
    if (learning && !p.verdict.learning) learned_at = p.ts_ms;
    learning = p.verdict.learning;
    if (learning) continue;  // The band is not drawn before it means something.
    lower.points.emplace_back(p.ts_ms, p.band.lower);
    upper.points.emplace_back(p.ts_ms, p.band.upper);
    if (p.anomalous) {
      anomalous.points.emplace_back(p.ts_ms, p.value);
      rows.push_back(&p);
    }
  }
  std::string out = StrCat(name, "\n", RenderChart({value, lower, upper, anomalous}, chart));
  if (learned_at < 0) {
    StrAppend(&out,
              "still learning: the detector needs a day of data and 100 points before it "
              "judges one (widen --since)\n");
    return out;
  }
  StrAppend(&out, rows.size(), " anomalous point", rows.size() == 1 ? "" : "s", " of ",
            points.size(), "; learning until ", Time(learned_at), "\n");
  if (rows.empty()) return out;
  if (rows.size() > max_rows) {
    StrAppend(&out, "(the latest ", max_rows, " shown)\n");
    rows.erase(rows.begin(), rows.end() - static_cast<std::ptrdiff_t>(max_rows));
  }
  out += fmt::format("{:<24}  {:>10}  {:>10}  {:>21}  {:>5}\n", "TIME", "VALUE", "EXPECTED", "BAND",
                     "SCORE");
  for (const ExplainedPoint* p : rows) {
    out += fmt::format("{:<24}  {:>10}  {:>10}  {:>21}  {:>5.2f}\n", Time(p->ts_ms),
                       FormatWithUnit(p->value, chart.unit),
                       FormatWithUnit(p->verdict.expected, chart.unit),
                       StrCat(FormatWithUnit(p->band.lower, chart.unit), " to ",
                              FormatWithUnit(p->band.upper, chart.unit)),
                       p->verdict.score);
  }
  return out;
}

std::string ExplanationJson(std::string_view labels_json,
                            const std::vector<ExplainedPoint>& points) {
  std::string out = StrCat(R"({"labels": )", labels_json, R"(, "points": [)");
  for (size_t i = 0; i < points.size(); ++i) {
    const ExplainedPoint& p = points[i];
    StrAppend(&out, i ? ", " : "", R"({"time": ")", Time(p.ts_ms), R"(", "value": )",
              JsonNumber(p.value), R"(, "expected": )", JsonNumber(p.verdict.expected),
              R"(, "lower": )", JsonNumber(p.band.lower), R"(, "upper": )",
              JsonNumber(p.band.upper), R"(, "score": )", JsonNumber(p.verdict.score),
              R"(, "learning": )", p.verdict.learning ? "true" : "false", R"(, "anomalous": )",
              p.anomalous ? "true" : "false", "}");
  }
  return out + "]}";
}

int RunAnomalyExplain(const ClientOptions& client, const AnomalyExplainOptions& options) {
  absl::StatusOr<alerts::rules::RuleExpr> expr =
      alerts::rules::ParseRuleExpr(options.expr, Limits());
  if (!expr.ok()) {
    std::cerr << "vigie: " << expr.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<detectors::Direction> direction = detectors::ParseDirection(options.direction);
  absl::StatusOr<detectors::Sensitivity> sensitivity =
      detectors::ParseSensitivity(options.sensitivity);
  for (const absl::Status& st : {direction.status(), sensitivity.status()}) {
    if (!st.ok()) {
      std::cerr << "vigie: " << st.message() << "\n";
      return kExitUsage;
    }
  }
  int64_t since = 0, end = 0, step = 0, timeout = 0;
  if (!ParseDurationFlag("--since", options.since, &since) ||
      !ParseTimeFlag("--until", options.until, NowNanos(), &end) ||
      (!options.step.empty() && !ParseDurationFlag("--step", options.step, &step)) ||
      (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout))) {
    return kExitUsage;
  }
  const int64_t end_ms = end / kNanosPerMilli, start_ms = end_ms - since / kNanosPerMilli;
  const int64_t step_ms =
      step > 0 ? step / kNanosPerMilli
               : std::max(kLeastDefaultStepMs, (end_ms - start_ms) / kMaxPoints / 1000 * 1000);
  if (step_ms <= 0) {
    std::cerr << "vigie: --step " << options.step << " is below a millisecond\n";
    return kExitUsage;
  }
  std::vector<Curve> curves;
  const bool logql = expr->language == alerts::rules::Language::kLogQL;
  int code = logql ? FetchLogql(client, options.expr, start_ms, end_ms, step_ms, timeout,
                                options.timeout, &curves)
                   : FetchPromql(client, options.expr, start_ms, end_ms, step_ms, timeout, &curves);
  if (code != kExitOk) return code;
  if (curves.empty()) {
    std::cerr << "vigie: the expression has no series in the range: check it with `vigie "
              << (logql ? "grep" : "query") << "` and widen --since\n";
    return kExitError;
  }
  const bool json = options.output == "json";
  if (json) std::printf(R"({"step_ms": %lld, "series": [)", static_cast<long long>(step_ms));
  ChartOptions chart;
  chart.width = TerminalWidth();
  chart.start_ms = start_ms;
  chart.end_ms = end_ms;
  chart.step_ms = step_ms;
  chart.color = UseColor(options.color);
  chart.unit = logql ? Unit::kNone : UnitOfQuery(*expr->tree);
  for (size_t i = 0; i < curves.size() && i < kMaxSeries; ++i) {
    absl::StatusOr<std::unique_ptr<detectors::Detector>> detector =
        detectors::NewDetector(options.detector);
    if (!detector.ok()) {
      std::cerr << "vigie: " << detector.status().message() << "\n";
      return kExitUsage;
    }
    std::vector<ExplainedPoint> points =
        ExplainCurve(curves[i].points, **detector, {*direction, *sensitivity});
    std::string text = json ? ExplanationJson(LabelsJsonObject(curves[i].labels), points)
                            : RenderExplanation(SeriesName(curves[i].labels), points, chart);
    std::fputs(json ? (i ? ", " : "") : (i ? "\n" : ""), stdout);
    std::fputs(text.c_str(), stdout);
  }
  if (json) std::fputs("]}\n", stdout);
  if (curves.size() > kMaxSeries) {
    std::cerr << "vigie: " << curves.size() << " series; the first " << kMaxSeries
              << " are shown: aggregate the expression (sum by (...)) or narrow it\n";
  }
  std::fflush(stdout);
  return std::ferror(stdout) ? kExitError : kExitOk;
}

}  // namespace vigie::cli
