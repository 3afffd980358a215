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
  LeafData out;
  LeafVisitor gather;
  gather.start = [&](size_t count, bool) { out.series.resize(count); };
  gather.series = [&](size_t i, const LabelSet& labels, std::span<const store::Sample> samples) {
    out.series[i].labels = labels;
    out.series[i].points.assign(samples.begin(), samples.end());
    return absl::OkStatus();
  };
  if (absl::Status s = Visit(leaf, at, lookback_ms, stats, gather); !s.ok()) return s;
  std::erase_if(out.series, [](const Series& s) { return s.points.empty(); });
  return out;
}

absl::Status SelectorSource::Visit(const Leaf& leaf, const StepRange& at, int64_t lookback_ms,
                                   QueryStats* stats, const LeafVisitor& visitor) {
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
  visitor.start(refs.size(), false);
  // Each thread reads a range of series ids: the store passes over the chunks once.
  std::vector<size_t> by_id(refs.size());
  for (size_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(),
            [&](size_t a, size_t b) { return refs[a].id < refs[b].id; });
  std::unique_ptr<store::SeriesReader> reader = querier_->NewSeriesReader();
  // Reading decodes chunks: the threads share a large selection.
  size_t threads = refs.size() >= 256 ? static_cast<size_t>(std::max(1, limits_.threads)) : 1;
  std::vector<absl::Status> results(threads);
  auto read = [&](size_t t) {
    std::span<const size_t> mine(by_id.data() + by_id.size() * t / threads,
                                 by_id.data() + by_id.size() * (t + 1) / threads);
    std::vector<store::SeriesId> ids(mine.size());
    for (size_t k = 0; k < mine.size(); ++k) ids[k] = refs[mine[k]].id;
    results[t] = reader->ForEachSamples(
        ids, mint, maxt, [&](size_t k, std::span<const store::Sample> samples) {
          if (stats->samples_loaded.fetch_add(samples.size()) + samples.size() >
              limits_.max_samples) {
            return absl::ResourceExhaustedError(
                "query processing would load too many samples into memory in query execution");
          }
          return visitor.series(mine[k], refs[mine[k]].labels, samples);
        });
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(read, t);
  read(0);
  for (std::thread& h : helpers) h.join();
  for (absl::Status& s : results) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace vigie::promql
