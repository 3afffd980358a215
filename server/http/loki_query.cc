#include "server/http/loki_query.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/parser.h"
#include "server/http/json_encode.h"
#include "server/http/loki_index.h"
#include "server/http/loki_params.h"
#include "server/http/query_timer.h"
#include "server/http/response.h"

namespace vigie::server::http {

namespace {

constexpr int64_t kHourNs = 3600 * kNanosPerSecond;
constexpr int64_t kQueryLookbackNs = kHourNs;       // Loki's default for query_range.
constexpr int64_t kLabelsLookbackNs = 6 * kHourNs;  // Loki's default for labels.

absl::StatusOr<logql::Query> ParseQuery(const Request& request, const HttpDeps& deps) {
  std::optional<std::string_view> text = request.Param("query");
  if (!text) return absl::InvalidArgumentError("the \"query\" parameter is missing");
  return logql::Parse(*text, deps.engine->limits());
}

// Reads limit and direction, then runs the log query over params' window.
Response RunLogQuery(const Request& request, const HttpDeps& deps, const logql::Query& query,
                     logql::QueryParams params, LokiTimer& timer) {
  timer.set_kind("log");
  absl::StatusOr<uint32_t> limit = ParseLimit(request);
  if (!limit.ok()) return timer.Failed(limit.status());
  absl::StatusOr<bool> forward = ParseForward(request);
  if (!forward.ok()) return timer.Failed(forward.status());
  params.limit = *limit;
  params.forward = *forward;
  if (absl::Status s = deps.engine->CheckParams(query, &params); !s.ok()) {
    return timer.Failed(s);
  }
  StreamsJson streams;
  logql::QueryStats stats;
  absl::Status status = deps.engine->RunLogQuery(
      *query.log, params,
      [&](const LabelSet& labels, int64_t ts, std::string_view line) {
        streams.Add(labels, ts, line);
        return true;
      },
      &stats);
  if (!status.ok()) return timer.Failed(status);
  uint64_t returned = streams.entries();
  return timer.Done(JsonResponse(
      QueryResponseJson("streams", streams.Take(), StatsJson(stats, timer.seconds(), returned))));
}

// Runs a metric query; on success fills `series` and returns nullopt, else the error response.
std::optional<Response> RunMetricQuery(const HttpDeps& deps, const logql::Query& query,
                                       logql::QueryParams params, LokiTimer& timer,
                                       std::vector<logql::Series>* series,
                                       logql::QueryStats* stats) {
  timer.set_kind("metric");
  if (absl::Status s = deps.engine->CheckParams(query, &params); !s.ok()) {
    return timer.Failed(s);
  }
  absl::StatusOr<std::vector<logql::Series>> result =
      deps.engine->RunMetricQuery(*query.metric, params, stats);
  if (!result.ok()) return timer.Failed(result.status());
  *series = *std::move(result);
  return std::nullopt;
}

Response LabelsResponse(const std::set<std::string>& values) {
  return JsonResponse({{"status", "success"}, {"data", values}});
}

// The label sets of the streams with data in `range` that one of `selectors` selects.
absl::StatusOr<std::vector<LabelSet>> SelectedStreams(
    const HttpDeps& deps, const std::vector<std::string_view>& selectors, store::TimeRange range) {
  absl::StatusOr<std::vector<SelectedStream>> selected = SelectStreamsFor(deps, selectors, range);
  if (!selected.ok()) return selected.status();
  std::vector<LabelSet> streams;
  for (SelectedStream& s : *selected) streams.push_back(std::move(s.labels));
  return streams;
}

// The window and, when the request has a `query` selector, the streams it selects.
struct LabelScope {
  store::TimeRange range;
  std::optional<std::vector<LabelSet>> streams;
};

absl::StatusOr<LabelScope> ParseLabelScope(const Request& request, const HttpDeps& deps) {
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kLabelsLookbackNs);
  if (!window.ok()) return window.status();
  LabelScope scope{{window->start_ns, window->end_ns}, std::nullopt};
  if (std::optional<std::string_view> selector = request.Param("query")) {
    absl::StatusOr<std::vector<LabelSet>> streams = SelectedStreams(deps, {*selector}, scope.range);
    if (!streams.ok()) return streams.status();
    scope.streams = *std::move(streams);
  }
  return scope;
}

}  // namespace

Response HandleQueryRange(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "log");
  absl::StatusOr<logql::Query> query = ParseQuery(request, deps);
  if (!query.ok()) return timer.Failed(query.status());
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kQueryLookbackNs);
  if (!window.ok()) return timer.Failed(window.status());
  logql::QueryParams params;
  params.cancelled = request.client_gone;
  params.start_ns = window->start_ns;
  params.end_ns = window->end_ns;
  if (!query->is_metric()) return RunLogQuery(request, deps, *query, params, timer);
  absl::StatusOr<int64_t> step = ParseStep(request);
  if (!step.ok()) return timer.Failed(step.status());
  params.step_ns = *step;
  std::vector<logql::Series> series;
  logql::QueryStats stats;
  if (auto error = RunMetricQuery(deps, *query, params, timer, &series, &stats)) return *error;
  return timer.Done(JsonResponse(
      QueryResponseJson("matrix", MatrixJson(series), StatsJson(stats, timer.seconds(), 0))));
}

Response HandleInstantQuery(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "metric");
  absl::StatusOr<int64_t> at = ParseTimeParam(request, "time", NowNanos());
  if (!at.ok()) return timer.Failed(at.status());
  absl::StatusOr<logql::Query> query = ParseQuery(request, deps);
  if (!query.ok()) return timer.Failed(query.status());
  logql::QueryParams params;
  params.cancelled = request.client_gone;
  params.start_ns = *at;
  params.end_ns = *at;
  if (!query->is_metric()) {
    params.start_ns = StartBefore(*at, kQueryLookbackNs);
    return RunLogQuery(request, deps, *query, params, timer);
  }
  std::vector<logql::Series> series;
  logql::QueryStats stats;
  if (auto error = RunMetricQuery(deps, *query, params, timer, &series, &stats)) return *error;
  if (query->metric->type() == promql::ValueType::kScalar && series.size() == 1) {
    // Loki answers a scalar query (1 + 1) with a scalar.
    const logql::Point& p = series[0].points.at(0);
    return timer.Done(JsonResponse(QueryResponseJson("scalar", ScalarJson(p.value, p.ts_ns),
                                                     StatsJson(stats, timer.seconds(), 0))));
  }
  return timer.Done(JsonResponse(
      QueryResponseJson("vector", VectorJson(series, *at), StatsJson(stats, timer.seconds(), 0))));
}

Response HandleLabels(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "labels");
  absl::StatusOr<LabelScope> scope = ParseLabelScope(request, deps);
  if (!scope.ok()) return timer.Failed(scope.status());
  std::set<std::string> names;
  if (scope->streams) {
    for (const LabelSet& labels : *scope->streams) {
      for (const Label& l : labels.labels()) names.insert(l.name);
    }
  } else {
    for (std::string& name : deps.querier->LabelNames(scope->range)) names.insert(std::move(name));
  }
  return timer.Done(LabelsResponse(names));
}

Response HandleLabelValues(const Request& request, const HttpDeps& deps, std::string_view name) {
  LokiTimer timer(deps, "labels");
  absl::StatusOr<LabelScope> scope = ParseLabelScope(request, deps);
  if (!scope.ok()) return timer.Failed(scope.status());
  std::set<std::string> values;
  if (scope->streams) {
    for (const LabelSet& labels : *scope->streams) {
      std::string_view value = labels.Get(name);
      if (!value.empty()) values.emplace(value);
    }
  } else {
    for (std::string& v : deps.querier->LabelValues(name, scope->range)) {
      values.insert(std::move(v));
    }
  }
  return timer.Done(LabelsResponse(values));
}

Response HandleSeries(const Request& request, const HttpDeps& deps) {
  LokiTimer timer(deps, "labels");
  std::vector<std::string_view> selectors = request.Params("match[]");
  if (selectors.empty()) {
    return timer.Failed(absl::InvalidArgumentError(
        "the \"match[]\" parameter is missing: give one or more stream selectors"));
  }
  absl::StatusOr<TimeWindow> window = ParseTimeWindow(request, NowNanos(), kQueryLookbackNs);
  if (!window.ok()) return timer.Failed(window.status());
  absl::StatusOr<std::vector<LabelSet>> streams =
      SelectedStreams(deps, selectors, {window->start_ns, window->end_ns});
  if (!streams.ok()) return timer.Failed(streams.status());
  std::sort(streams->begin(), streams->end());
  nlohmann::json data = nlohmann::json::array();
  for (const LabelSet& labels : *streams) data.push_back(LabelsJson(labels));
  return timer.Done(JsonResponse({{"status", "success"}, {"data", std::move(data)}}));
}

Response HandleBuildInfo() {
  // Grafana reads `version` to decide which Loki features to use; vigied answers the Loki 2.9
  // API subset that docs/http-api.md lists.
  return JsonResponse({{"version", "2.9.0"},
                       {"revision", "vigie"},
                       {"branch", "main"},
                       {"buildUser", "vigie"},
                       {"buildDate", ""},
                       {"goVersion", ""}});
}

}  // namespace vigie::server::http
