#include "server/http/prom_api.h"

#include <string>
#include <vector>

#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/promql/parser.h"
#include "server/http/json_encode.h"
#include "server/http/prom_json.h"
#include "server/http/prom_params.h"
#include "server/http/query_timer.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

constexpr std::string_view kLabelPrefix = "/api/v1/label/";
constexpr std::string_view kValuesSuffix = "/values";

// The version Grafana and promtool see: the Prometheus release whose API vigied follows.
constexpr std::string_view kPromVersion = "2.42.0";

// Reports a Prometheus API request on /metrics (api "prometheus") when it is done.
class PromTimer : public QueryTimer {
 public:
  PromTimer(const HttpDeps& deps, std::string_view kind)
      : QueryTimer(deps.metrics, "prometheus", kind) {}
  Response Failed(const absl::Status& status) const { return Done(PromError(status)); }
};

absl::StatusOr<promql::ExprPtr> ParseQueryParam(const Request& request, const HttpDeps& deps) {
  absl::StatusOr<promql::ExprPtr> expr =
      promql::Parse(request.Param("query").value_or(""), deps.limits);
  if (!expr.ok()) {
    return absl::InvalidArgumentError(
        StrCat("invalid parameter \"query\": ", StatusMessage(expr.status())));
  }
  return expr;
}

absl::Status NoSeriesStore() {
  return absl::UnavailableError("this vigied has no series store: metrics cannot be queried");
}

Response HandleQuery(const Request& request, const HttpDeps& deps) {
  PromTimer timer(deps, "metric");
  if (!deps.prom) return timer.Failed(NoSeriesStore());
  absl::StatusOr<int64_t> at = PromTimeParam(request, "time", NowNanos() / kNanosPerMilli);
  if (!at.ok()) return timer.Failed(at.status());
  absl::StatusOr<int64_t> timeout = PromTimeoutParam(request, deps.prom->limits().timeout_ms);
  if (!timeout.ok()) return timer.Failed(timeout.status());
  absl::StatusOr<promql::ExprPtr> expr = ParseQueryParam(request, deps);
  if (!expr.ok()) return timer.Failed(expr.status());
  absl::StatusOr<promql::Value> value =
      deps.prom->Instant(**expr, *at, *timeout, request.client_gone);
  if (!value.ok()) return timer.Failed(value.status());
  return timer.Done(PromSuccess(PromInstantData(*value)));
}

Response HandleQueryRange(const Request& request, const HttpDeps& deps) {
  PromTimer timer(deps, "metric");
  if (!deps.prom) return timer.Failed(NoSeriesStore());
  absl::StatusOr<promql::StepRange> range =
      ParsePromRange(request, deps.prom->limits().max_points_per_series);
  if (!range.ok()) return timer.Failed(range.status());
  absl::StatusOr<int64_t> timeout = PromTimeoutParam(request, deps.prom->limits().timeout_ms);
  if (!timeout.ok()) return timer.Failed(timeout.status());
  absl::StatusOr<promql::ExprPtr> expr = ParseQueryParam(request, deps);
  if (!expr.ok()) return timer.Failed(expr.status());
  absl::StatusOr<promql::Matrix> matrix =
      deps.prom->Range(**expr, *range, *timeout, request.client_gone);
  if (!matrix.ok()) return timer.Failed(matrix.status());
  return timer.Done(PromSuccess(PromMatrixData(*matrix)));
}

// What the metadata endpoints (series, labels, label values) share: the match[] sets and the
// [start, end] window, every stored time by default.
struct SeriesScope {
  PromQueries::MatchSets match_sets;
  int64_t start_ms = kPromMinTimeMs;
  int64_t end_ms = kPromMaxTimeMs;
};

absl::StatusOr<SeriesScope> ParseSeriesScope(const Request& request, const HttpDeps& deps,
                                             bool match_required) {
  if (!deps.prom) return NoSeriesStore();
  SeriesScope scope;
  absl::StatusOr<int64_t> start = PromTimeParam(request, "start", kPromMinTimeMs);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = PromTimeParam(request, "end", kPromMaxTimeMs);
  if (!end.ok()) return end.status();
  if (*end < *start) {
    return absl::InvalidArgumentError("end timestamp must not be before start time");
  }
  scope.start_ms = *start;
  scope.end_ms = *end;
  absl::StatusOr<PromQueries::MatchSets> sets =
      ParseMatchSets(request, deps.limits, match_required);
  if (!sets.ok()) return sets.status();
  scope.match_sets = *std::move(sets);
  return scope;
}

Response HandleSeries(const Request& request, const HttpDeps& deps) {
  PromTimer timer(deps, "labels");
  absl::StatusOr<SeriesScope> scope = ParseSeriesScope(request, deps, /*match_required=*/true);
  if (!scope.ok()) return timer.Failed(scope.status());
  nlohmann::json data = nlohmann::json::array();
  for (const LabelSet& labels :
       deps.prom->Series(scope->match_sets, scope->start_ms, scope->end_ms)) {
    data.push_back(LabelsJson(labels));
  }
  return timer.Done(PromSuccess(std::move(data)));
}

Response HandleLabels(const Request& request, const HttpDeps& deps) {
  PromTimer timer(deps, "labels");
  absl::StatusOr<SeriesScope> scope = ParseSeriesScope(request, deps, /*match_required=*/false);
  if (!scope.ok()) return timer.Failed(scope.status());
  return timer.Done(
      PromSuccess(deps.prom->LabelNames(scope->match_sets, scope->start_ms, scope->end_ms)));
}

Response HandleLabelValues(const Request& request, const HttpDeps& deps, const std::string& name) {
  PromTimer timer(deps, "labels");
  if (!IsValidLabelName(name)) {
    return timer.Failed(absl::InvalidArgumentError(StrCat("invalid label name: \"", name, "\"")));
  }
  absl::StatusOr<SeriesScope> scope = ParseSeriesScope(request, deps, /*match_required=*/false);
  if (!scope.ok()) return timer.Failed(scope.status());
  return timer.Done(
      PromSuccess(deps.prom->LabelValues(name, scope->match_sets, scope->start_ms, scope->end_ms)));
}

Response HandleBuildInfo() {
  return PromSuccess({{"version", kPromVersion},
                      {"revision", "vigie"},
                      {"branch", "main"},
                      {"buildUser", "vigie"},
                      {"buildDate", ""},
                      {"goVersion", ""}});
}

// Exemplars are not stored: a valid request answers an empty list, as Prometheus does without
// its exemplar storage.
Response HandleExemplars(const Request& request, const HttpDeps& deps) {
  for (std::string_view name : {"start", "end"}) {
    if (absl::StatusOr<int64_t> t = PromTimeParam(request, name, 0); !t.ok()) {
      return PromError(t.status());
    }
  }
  if (auto expr = ParseQueryParam(request, deps); !expr.ok()) return PromError(expr.status());
  return PromSuccess(nlohmann::json::array());
}

// The expression in its canonical form (on one line, where Prometheus indents long ones).
Response HandleFormatQuery(const Request& request, const HttpDeps& deps) {
  absl::StatusOr<promql::ExprPtr> expr = ParseQueryParam(request, deps);
  if (!expr.ok()) return PromError(expr.status());
  return PromSuccess(promql::ToString(**expr));
}

}  // namespace

std::optional<Response> HandlePromApi(const Request& request, const HttpDeps& deps) {
  const std::string& path = request.path;
  if (path == "/api/v1/query") return HandleQuery(request, deps);
  if (path == "/api/v1/query_range") return HandleQueryRange(request, deps);
  if (path == "/api/v1/series") return HandleSeries(request, deps);
  if (path == "/api/v1/labels") return HandleLabels(request, deps);
  if (path.starts_with(kLabelPrefix) && path.ends_with(kValuesSuffix) &&
      path.size() > kLabelPrefix.size() + kValuesSuffix.size()) {
    std::string_view name = std::string_view(path).substr(
        kLabelPrefix.size(), path.size() - kLabelPrefix.size() - kValuesSuffix.size());
    return HandleLabelValues(request, deps, PercentDecode(name));
  }
  if (path == "/api/v1/status/buildinfo") return HandleBuildInfo();
  if (path == "/api/v1/query_exemplars") return HandleExemplars(request, deps);
  if (path == "/api/v1/format_query") return HandleFormatQuery(request, deps);
  return std::nullopt;
}

}  // namespace vigie::server::http
