#include "server/rules_wiring.h"

#include "common/strings.h"

namespace vigie::server {

alerts::rules::QueryFunc RuleQueryFunc(const PromQueries* prom, const logql::Engine* logs) {
  return [prom, logs](const alerts::rules::RuleExpr& expr, int64_t ts_ms,
                      const std::function<bool()>& cancelled) -> absl::StatusOr<promql::Value> {
    if (expr.language == alerts::rules::Language::kPromQL) {
      return prom->Instant(*expr.tree, ts_ms, 0, cancelled);
    }
    logql::QueryParams params;
    params.start_ns = params.end_ns = ts_ms * 1'000'000;
    params.step_ns = 1'000'000'000;
    params.cancelled = cancelled;
    logql::QueryStats stats;
    auto series = logs->RunMetricQuery(*expr.tree, params, &stats);
    if (!series.ok()) return series.status();
    promql::Value value;
    value.type = promql::ValueType::kVector;
    value.ts_ms = ts_ms;
    for (logql::Series& s : *series) {
      if (s.points.empty()) continue;
      value.vector.push_back({std::move(s.labels), ts_ms, s.points.back().value});
    }
    return value;
  };
}

alerts::rules::RangeQueryFunc RuleRangeQueryFunc(const PromQueries* prom,
                                                 const logql::Engine* logs) {
  return [prom, logs](const alerts::rules::RuleExpr& expr, const promql::StepRange& range,
                      const std::function<bool()>& cancelled) -> absl::StatusOr<promql::Matrix> {
    if (expr.language == alerts::rules::Language::kPromQL) {
      return prom->Range(*expr.tree, range, 0, cancelled);
    }
    logql::QueryParams params;
    params.start_ns = range.start_ms * 1'000'000;
    params.end_ns = range.end_ms * 1'000'000;
    params.step_ns = range.step_ms * 1'000'000;
    params.cancelled = cancelled;
    logql::QueryStats stats;
    auto series = logs->RunMetricQuery(*expr.tree, params, &stats);
    if (!series.ok()) return series.status();
    promql::Matrix out;
    for (logql::Series& s : *series) {
      promql::Series& o = out.emplace_back();
      o.labels = std::move(s.labels);
      for (const logql::Point& p : s.points) o.points.push_back({p.ts_ns / 1'000'000, p.value});
    }
    return out;
  };
}

alerts::rules::AppendFunc RuleAppendFunc(Ingester* ingester) {
  return [ingester](std::vector<store::SeriesSamples> series) -> absl::Status {
    ReceivedBatch batch;
    batch.protocol = "rules";
    batch.sender = batch.sender_name = "rules";
    for (const store::SeriesSamples& s : series) batch.series.Add(s.labels.labels(), s.samples);
    auto outcome = ingester->Ingest(std::move(batch));
    if (!outcome.ok()) return outcome.status();
    if (outcome->rejected > 0) {
      return absl::FailedPreconditionError(
          StrCat(outcome->rejected, " sample(s) refused: ", outcome->reason));
    }
    return absl::OkStatus();
  };
}

}  // namespace vigie::server
