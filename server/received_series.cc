#include "server/received_series.h"

namespace vigie::server {

ReceivedSeriesList::Range ReceivedSeriesList::RangeOf(std::string_view view) const {
  if (view.empty()) return {};  // Perhaps a default view, pointing nowhere.
  return {static_cast<uint32_t>(view.data() - bytes_.data()), static_cast<uint32_t>(view.size())};
}

void ReceivedSeriesList::AddLabel(std::string_view name, std::string_view value) {
  Range name_range{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(name.size())};
  bytes_.append(name);
  Range value_range{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(value.size())};
  bytes_.append(value);
  labels_.push_back({name_range, value_range});
  ++series_.back().labels;
}

void ReceivedSeriesList::AddLabelInBytes(std::string_view name, std::string_view value) {
  labels_.push_back({RangeOf(name), RangeOf(value)});
  ++series_.back().labels;
}

void ReceivedSeriesList::Add(std::span<const Label> labels,
                             std::span<const store::Sample> samples) {
  StartSeries();
  for (const Label& l : labels) AddLabel(l.name, l.value);
  samples_.insert(samples_.end(), samples.begin(), samples.end());
  series_.back().samples = samples.size();
}

uint64_t ReceivedSeriesList::SampleCount() const {
  uint64_t n = samples_.size();
  for (const Series& s : series_) n += s.histograms;
  return n;
}

void ReceivedSeriesList::Labels(size_t i, std::vector<LabelView>* out) const {
  out->clear();
  const Series& s = series_[i];
  for (size_t j = s.first_label; j < s.first_label + s.labels; ++j) {
    out->push_back({View(labels_[j].name), View(labels_[j].value)});
  }
}

}  // namespace vigie::server
