#include "query/promql/selector_source.h"

#include <algorithm>
#include <thread>

#include "common/strings.h"

namespace vigie::promql {

std::vector<store::SeriesMatcher> ToSeriesMatchers(std::span<const logql::LabelMatcher> matchers) {
  std::vector<store::SeriesMatcher> out;
  out.reserve(matchers.size());
  for (const logql::LabelMatcher& m : matchers) {
    store::SeriesMatcher sm;
    sm.name = m.name();
    if (m.type() == logql::MatchType::kEqual) sm.equals = m.value();
    sm.accept = [m](std::string_view value) { return m.Matches(value); };
    out.push_back(std::move(sm));
  }
  return out;
}

absl::StatusOr<LeafData> SelectorSource::Select(const Leaf& leaf, const StepRange& at,
                                                int64_t lookback_ms, QueryStats* stats) {
  const auto* selector = dynamic_cast<const Selector*>(&leaf);
  if (!selector) {
    return absl::InvalidArgumentError(
        StrCat("not a PromQL selector, which this source cannot read: ", leaf.ToString()));
  }
  const int64_t window = selector->range_ns > 0 ? selector->range_ns / 1'000'000 : lookback_ms;
  const int64_t mint = at.start_ms - window, maxt = at.end_ms;
  std::vector<store::SeriesMatcher> matchers = ToSeriesMatchers(selector->matchers);
  std::vector<store::SeriesRef> refs = querier_->SelectSeries(matchers, mint, maxt);
  uint64_t selected = stats->series_selected.fetch_add(refs.size()) + refs.size();
  if (selected > limits_.max_series) {
    return absl::ResourceExhaustedError(
        StrCat("query would select more than ", limits_.max_series,
               " series (the series limit of a query): narrow the selectors"));
  }
  std::unique_ptr<store::SeriesReader> reader = querier_->NewSeriesReader();
  LeafData out;
  out.series.resize(refs.size());
  // Reading decodes chunks: two threads share a large selection.
  size_t threads = refs.size() >= 256 ? static_cast<size_t>(std::max(1, limits_.threads)) : 1;
  std::vector<absl::Status> results(threads);
  auto read = [&](size_t t) {
    for (size_t i = t; i < refs.size(); i += threads) {
      out.series[i].labels = refs[i].labels;
      std::vector<store::Sample>& points = out.series[i].points;
      absl::Status s = reader->Samples(refs[i].id, mint, maxt, &points);
      if (!s.ok() && !absl::IsNotFound(s)) {
        results[t] = s;
        return;
      }
      if (stats->samples_loaded.fetch_add(points.size()) + points.size() > limits_.max_samples) {
        results[t] = absl::ResourceExhaustedError(
            "query processing would load too many samples into memory in query execution");
        return;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(read, t);
  read(0);
  for (std::thread& h : helpers) h.join();
  for (absl::Status& s : results) {
    if (!s.ok()) return s;
  }
  std::erase_if(out.series, [](const Series& s) { return s.points.empty(); });
  return out;
}

}  // namespace vigie::promql
