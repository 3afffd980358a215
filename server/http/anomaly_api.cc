#include "server/http/anomaly_api.h"

#include "common/strings.h"
#include "common/time.h"
#include "server/http/prom_json.h"
#include "server/http/prom_params.h"

namespace vigie::server::http {
namespace {

using nlohmann::json;

// A duration parameter in milliseconds: `fallback` when absent.
absl::StatusOr<int64_t> DurationParam(const Request& request, std::string_view name,
                                      int64_t fallback) {
  std::optional<std::string_view> text = request.Param(name);
  if (!text || text->empty()) return fallback;
  absl::StatusOr<int64_t> ns = ParseDuration(*text);
  if (!ns.ok() || *ns <= 0) {
    return absl::InvalidArgumentError(StrCat("invalid parameter \"", name, "\": \"", *text,
                                             "\" is not a duration > 0 (such as 7d, 1h, 30s)"));
  }
  return *ns / 1'000'000;
}

}  // namespace

Response BackfillResponse(const Request& request, int64_t now_ms, const BackfillFunc& backfill) {
  std::string rule(request.Param("rule").value_or(""));
  if (rule.empty()) {
    return PromError(absl::InvalidArgumentError(
        "missing parameter \"rule\": the name of an anomaly rule (its `alert`)"));
  }
  auto since = DurationParam(request, "since", int64_t{7} * 24 * 3600 * 1000);
  if (!since.ok()) return PromError(since.status());
  auto step = DurationParam(request, "step", 0);
  if (!step.ok()) return PromError(step.status());
  std::string group(request.Param("group").value_or(""));
  auto reports = backfill(rule, group, now_ms, *since, *step);
  if (!reports.ok()) return PromError(reports.status());
  json groups = json::array();
  for (const auto& r : *reports) {
    groups.push_back({{"file", r.file},
                      {"group", r.group},
                      {"start", FormatRfc3339Nano(r.range.start_ms * 1'000'000)},
                      {"end", FormatRfc3339Nano(r.range.end_ms * 1'000'000)},
                      {"step", static_cast<double>(r.range.step_ms) / 1000},
                      {"series", r.result.series},
                      {"points", r.result.points},
                      {"learning", r.result.learning}});
  }
  return PromSuccess({{"rule", rule}, {"groups", std::move(groups)}});
}

std::vector<HttpEndpoint> AnomalyEndpoints(BackfillFunc backfill) {
  auto shared = std::make_shared<BackfillFunc>(std::move(backfill));
  return {{"/api/v1/anomaly/backfill", false, {"POST"}, Scope::kAdmin, [shared](const Request& r) {
             return BackfillResponse(r, NowNanos() / 1'000'000, *shared);
           }}};
}

}  // namespace vigie::server::http
