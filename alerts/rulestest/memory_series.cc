#include "alerts/rulestest/memory_series.h"

#include <algorithm>
#include <mutex>
#include <set>

namespace vigie::alerts::rulestest {
namespace {

bool Matches(const LabelSet& labels, std::span<const store::SeriesMatcher> matchers) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const store::SeriesMatcher& m) { return m.accept(labels.Get(m.name)); });
}

}  // namespace

// Reads under the store's shared lock, one call at a time.
class MemorySeries::Reader final : public store::SeriesReader {
 public:
  explicit Reader(const MemorySeries* store) : store_(store) {}

  absl::Status Samples(store::SeriesId series, int64_t mint_ms, int64_t maxt_ms,
                       std::vector<store::Sample>* out) const override {
    std::shared_lock lock(store_->mu_);
    auto it = store_->series_.find(series);
    if (it == store_->series_.end()) return absl::NotFoundError("unknown series");
    const std::map<int64_t, double>& samples = it->second.samples;
    for (auto s = samples.lower_bound(mint_ms); s != samples.end() && s->first <= maxt_ms; ++s) {
      out->push_back({s->first, s->second});
    }
    return absl::OkStatus();
  }

 private:
  const MemorySeries* store_;
};

void MemorySeries::Append(const store::SeriesSamples& series) {
  std::unique_lock lock(mu_);
  Stored& stored = series_[series.labels.Hash()];
  stored.labels = series.labels;
  for (const store::Sample& s : series.samples) stored.samples[s.ts_ms] = s.value;
}

std::vector<store::SeriesRef> MemorySeries::SelectSeries(
    std::span<const store::SeriesMatcher> matchers, int64_t mint_ms, int64_t maxt_ms) const {
  std::shared_lock lock(mu_);
  std::vector<store::SeriesRef> out;
  for (const auto& [id, stored] : series_) {
    auto first = stored.samples.lower_bound(mint_ms);
    bool has_data = first != stored.samples.end() && first->first <= maxt_ms;
    if (has_data && Matches(stored.labels, matchers)) out.push_back({id, stored.labels});
  }
  std::sort(out.begin(), out.end(), [](const store::SeriesRef& a, const store::SeriesRef& b) {
    return a.labels < b.labels;
  });
  return out;
}

std::vector<std::string> MemorySeries::SeriesLabelNames(
    std::span<const store::SeriesMatcher> matchers, int64_t mint_ms, int64_t maxt_ms) const {
  std::set<std::string> names;
  for (const store::SeriesRef& ref : SelectSeries(matchers, mint_ms, maxt_ms)) {
    for (const Label& l : ref.labels.labels()) names.insert(l.name);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> MemorySeries::SeriesLabelValues(
    std::string_view name, std::span<const store::SeriesMatcher> matchers, int64_t mint_ms,
    int64_t maxt_ms) const {
  std::set<std::string> values;
  for (const store::SeriesRef& ref : SelectSeries(matchers, mint_ms, maxt_ms)) {
    std::string_view value = ref.labels.Get(name);
    if (!value.empty()) values.insert(std::string(value));
  }
  return {values.begin(), values.end()};
}

std::unique_ptr<store::SeriesReader> MemorySeries::NewSeriesReader() const {
  return std::make_unique<Reader>(this);
}

}  // namespace vigie::alerts::rulestest
