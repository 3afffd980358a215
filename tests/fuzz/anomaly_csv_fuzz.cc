// Fuzzes `vigie anomaly score`'s input (alerts/detectors/csv_scorer) and the detector state the
// rules engine restores (RestoreDetector). The first byte chooses: even, the rest is a CSV
// scored by detector (byte / 4) % count, writing the onset score when bit 1 is set; odd, the
// rest is detector state, restored and fed a few points. Asserts that errors are InvalidArgument
// (CSV) or DataLoss (state), that every score written is in [0, 1], and that a restored detector
// scores in [0, 1] with an onset no higher than its score.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerts/detectors/csv_scorer.h"
#include "alerts/detectors/detector.h"

namespace d = vigie::alerts::detectors;

namespace {

void CheckScores(const std::string& out) {
  size_t start = out.find('\n') + 1;  // after the header
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    size_t comma = out.rfind(',', end);
    double score = std::strtod(out.c_str() + comma + 1, nullptr);
    if (!(score >= 0 && score <= 1)) abort();
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const auto& names = d::DetectorNames();
    d::CsvScore column = data[0] & 2 ? d::CsvScore::kOnset : d::CsvScore::kSustained;
    absl::StatusOr<std::string> out =
        d::ScoreCsv(rest, names[(data[0] / 4) % names.size()], column);
    if (!out.ok()) {
      if (out.status().code() != absl::StatusCode::kInvalidArgument) abort();
      return 0;
    }
    CheckScores(*out);
    return 0;
  }
  absl::StatusOr<std::unique_ptr<d::Detector>> detector = d::RestoreDetector(rest);
  if (!detector.ok()) {
    if (detector.status().code() != absl::StatusCode::kDataLoss) abort();
    return 0;
  }
  for (int i = 0; i < 50; ++i) {
    d::Verdict v = (*detector)->Observe(1'700'000'000'000 + i * 60'000, i % 7 ? 100.0 : 1e12);
    if (!(v.score >= 0 && v.score <= 1 && v.onset >= 0 && v.onset <= v.score)) abort();
  }
  return 0;
}
