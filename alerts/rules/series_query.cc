#include "alerts/rules/series_query.h"

#include "query/promql/selector_source.h"

namespace vigie::alerts::rules {

QueryFunc SeriesQueryFunc(const store::SeriesQuerier* series, promql::EngineLimits limits) {
  return [series, limits](const RuleExpr& expr, int64_t ts_ms,
                          const std::function<bool()>& cancelled) -> absl::StatusOr<promql::Value> {
    if (expr.language != Language::kPromQL) {
      return absl::UnimplementedError("LogQL rules need the log store: run them in vigied");
    }
    promql::EvalOptions options;
    options.limits = limits;
    options.cancelled = cancelled;
    promql::SelectorSource source(series, limits);
    return promql::EvaluateInstant(*expr.tree, ts_ms, &source, options);
  };
}

}  // namespace vigie::alerts::rules
