#include "store/series.h"

#include <bit>

namespace vigie::store {

bool Sample::operator==(const Sample& other) const {
  return ts_ms == other.ts_ms &&
         std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(other.value);
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
