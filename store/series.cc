#include "store/series.h"

#include <algorithm>
#include <bit>

namespace vigie::store {

bool Sample::operator==(const Sample& other) const {
  return ts_ms == other.ts_ms &&
         std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(other.value);
}

void SeriesBatch::Reserve(size_t series, size_t label_bytes, size_t samples) {
  series_.reserve(series);
  labels_.reserve(label_bytes);
  samples_.reserve(samples);
}

void SeriesBatch::Add(std::string_view encoded_labels, SeriesId id,
                      std::span<const Sample> samples) {
  if (samples.empty()) return;
  series_.push_back({id, static_cast<uint32_t>(labels_.size()),
                     static_cast<uint32_t>(encoded_labels.size()), samples_.size(),
                     samples.size()});
  labels_.append(encoded_labels);
  samples_.insert(samples_.end(), samples.begin(), samples.end());
}

void SeriesBatch::Add(const LabelSet& labels, std::span<const Sample> samples) {
  thread_local std::string encoded;
  encoded.clear();
  labels.AppendEncoded(&encoded);
  Add(encoded, HashEncodedLabels(encoded), samples);
}

void SeriesBatch::SortSamples() {
  auto earlier = [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; };
  for (const Series& s : series_) {
    auto begin = samples_.begin() + static_cast<ptrdiff_t>(s.first_sample);
    auto end = begin + static_cast<ptrdiff_t>(s.samples);
    if (!std::is_sorted(begin, end, earlier)) std::stable_sort(begin, end, earlier);
  }
}

absl::Status SeriesReader::ForEachSamples(std::span<const SeriesId> ids, int64_t mint_ms,
                                          int64_t maxt_ms, const SamplesVisitor& visit) const {
  std::vector<Sample> samples;
  for (size_t i = 0; i < ids.size(); ++i) {
    samples.clear();
    absl::Status s = Samples(ids[i], mint_ms, maxt_ms, &samples);
    if (absl::IsNotFound(s) || (s.ok() && samples.empty())) continue;
    if (!s.ok()) return s;
    if (s = visit(i, samples); !s.ok()) return s;
  }
  return absl::OkStatus();
}

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double value) { return std::bit_cast<uint64_t>(value) == kStaleNaNBits; }

}  // namespace vigie::store
