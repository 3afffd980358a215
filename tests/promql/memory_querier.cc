#include "tests/promql/memory_querier.h"

#include <algorithm>
#include <iterator>
#include <set>

namespace vigie::promql::testing {

void MemoryQuerier::Add(const LabelSet& labels, const std::vector<store::Sample>& samples) {
  std::vector<store::Sample>& s = series_[labels];
  s.insert(s.end(), samples.begin(), samples.end());
}

std::vector<store::SeriesRef> MemoryQuerier::SelectSeries(
    std::span<const store::SeriesMatcher> matchers, int64_t mint_ms, int64_t maxt_ms) const {
  std::vector<store::SeriesRef> out;
  uint64_t id = 0;
  for (const auto& entry : series_) {
    const LabelSet& labels = entry.first;
    const std::vector<store::Sample>& samples = entry.second;
    ++id;
    bool match = std::all_of(matchers.begin(), matchers.end(), [&](const auto& m) {
      std::string_view value = labels.Get(m.name);
      if (m.equals) {
        ++equality_lookups_;
        return value == *m.equals;
      }
      return m.accept(value);
    });
    bool in_range = std::any_of(samples.begin(), samples.end(), [&](const store::Sample& s) {
      return s.ts_ms >= mint_ms && s.ts_ms <= maxt_ms;
    });
    if (match && in_range) out.push_back({id - 1, labels});
  }
  return out;
}

std::vector<std::string> MemoryQuerier::SeriesLabelNames(
    std::span<const store::SeriesMatcher> matchers, int64_t mint_ms, int64_t maxt_ms) const {
  std::set<std::string> names;
  for (const store::SeriesRef& ref : SelectSeries(matchers, mint_ms, maxt_ms)) {
    for (const Label& l : ref.labels.labels()) names.insert(l.name);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> MemoryQuerier::SeriesLabelValues(
    std::string_view name, std::span<const store::SeriesMatcher> matchers, int64_t mint_ms,
    int64_t maxt_ms) const {
  std::set<std::string> values;
  for (const store::SeriesRef& ref : SelectSeries(matchers, mint_ms, maxt_ms)) {
    std::string_view v = ref.labels.Get(name);
    if (!v.empty()) values.emplace(v);
  }
  return {values.begin(), values.end()};
}

class MemoryQuerier::Reader final : public store::SeriesReader {
 public:
  explicit Reader(const MemoryQuerier* q) : q_(q) {}
  absl::Status Samples(store::SeriesId series, int64_t mint_ms, int64_t maxt_ms,
                       std::vector<store::Sample>* out) const override {
    ++q_->reads_;
    if (series >= q_->series_.size()) return absl::NotFoundError("no such series");
    const auto& samples = std::next(q_->series_.begin(), static_cast<long>(series))->second;
    for (const store::Sample& s : samples) {
      if (s.ts_ms >= mint_ms && s.ts_ms <= maxt_ms) out->push_back(s);
    }
    return absl::OkStatus();
  }

 private:
  const MemoryQuerier* q_;
};

std::unique_ptr<store::SeriesReader> MemoryQuerier::NewSeriesReader() const {
  return std::make_unique<Reader>(this);
}

}  // namespace vigie::promql::testing
