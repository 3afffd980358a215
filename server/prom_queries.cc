#include "server/prom_queries.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "query/promql/parser.h"
#include "query/promql/selector_source.h"

namespace vigie::server {

namespace {

// The sorted union of what `list` returns for each set, or for no matchers when there is none.
template <typename List>
std::vector<std::string> SortedUnion(const PromQueries::MatchSets& sets, List list) {
  std::set<std::string> all;
  auto add = [&](std::span<const store::SeriesMatcher> matchers) {
    for (std::string& s : list(matchers)) all.insert(std::move(s));
  };
  if (sets.empty()) add({});
  for (const auto& set : sets) add(set);
  return {all.begin(), all.end()};
}

}  // namespace

promql::EvalOptions PromQueries::Options(int64_t timeout_ms,
                                         const std::function<bool()>& cancelled) const {
  promql::EvalOptions options;
  options.limits = limits_;
  if (timeout_ms > 0 && (limits_.timeout_ms <= 0 || timeout_ms < limits_.timeout_ms)) {
    options.limits.timeout_ms = timeout_ms;
  }
  options.cancelled = cancelled;
  return options;
}

absl::StatusOr<promql::Value> PromQueries::Instant(const promql::Expr& expr, int64_t ts_ms,
                                                   int64_t timeout_ms,
                                                   const std::function<bool()>& cancelled) const {
  promql::EvalOptions options = Options(timeout_ms, cancelled);
  promql::SelectorSource source(series_, options.limits);
  return promql::EvaluateInstant(expr, ts_ms, &source, options);
}

absl::StatusOr<promql::Matrix> PromQueries::Range(const promql::Expr& expr,
                                                  const promql::StepRange& range,
                                                  int64_t timeout_ms,
                                                  const std::function<bool()>& cancelled) const {
  promql::EvalOptions options = Options(timeout_ms, cancelled);
  promql::SelectorSource source(series_, options.limits);
  return promql::EvaluateRange(expr, range, &source, options);
}

std::vector<LabelSet> PromQueries::Series(const MatchSets& sets, int64_t start_ms,
                                          int64_t end_ms) const {
  std::set<LabelSet> series;
  for (const auto& set : sets) {
    for (store::SeriesRef& ref : series_->SelectSeries(set, start_ms, end_ms)) {
      series.insert(std::move(ref.labels));
    }
  }
  return {series.begin(), series.end()};
}

std::vector<std::string> PromQueries::LabelNames(const MatchSets& sets, int64_t start_ms,
                                                 int64_t end_ms) const {
  return SortedUnion(sets, [&](std::span<const store::SeriesMatcher> matchers) {
    return series_->SeriesLabelNames(matchers, start_ms, end_ms);
  });
}

std::vector<std::string> PromQueries::LabelValues(std::string_view name, const MatchSets& sets,
                                                  int64_t start_ms, int64_t end_ms) const {
  return SortedUnion(sets, [&](std::span<const store::SeriesMatcher> matchers) {
    return series_->SeriesLabelValues(name, matchers, start_ms, end_ms);
  });
}

absl::StatusOr<PromQueries::MatchSets> ParseSeriesSelectors(std::span<const std::string_view> texts,
                                                            const Limits& limits) {
  PromQueries::MatchSets sets;
  for (std::string_view text : texts) {
    absl::StatusOr<promql::ExprPtr> expr = promql::Parse(text, limits);
    if (!expr.ok()) return expr.status();
    const promql::LeafExpr* leaf = (*expr)->As<promql::LeafExpr>();
    const auto* selector = leaf ? dynamic_cast<const promql::Selector*>(leaf->leaf.get()) : nullptr;
    if (!selector || selector->range_ns != 0 || selector->modifiers != promql::TimeModifiers()) {
      return absl::InvalidArgumentError(
          StrCat("\"", text.substr(0, 200),
                 "\" is not a series selector: give one such as up{job=\"node\"}, without "
                 "[range], offset or @"));
    }
    sets.push_back(promql::ToSeriesMatchers(selector->matchers));
  }
  return sets;
}

}  // namespace vigie::server
