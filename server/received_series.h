// The series of an ingest batch as received, before validation: labels as byte ranges of one
// buffer, samples in any order. Flat, so that a request costs a few allocations however many
// series and labels it holds (remote_write's labels are views into its decompressed body, not
// a string each).
//
// Thread safety: a value type; const methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "store/series.h"

namespace vigie::server {

class ReceivedSeriesList {
 public:
  ReceivedSeriesList() = default;
  // Adopts `bytes` (a decoded request), into which AddLabelInBytes's views point. Under 4 GiB.
  explicit ReceivedSeriesList(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view bytes() const { return bytes_; }

  // Starts the next series: the labels, samples and histograms added next are its.
  void StartSeries() { series_.push_back({labels_.size(), 0, samples_.size(), 0, 0}); }
  // Adds a label to the current series, copying its bytes.
  void AddLabel(std::string_view name, std::string_view value);
  // Adds a label whose name and value are views into bytes(): nothing is copied.
  void AddLabelInBytes(std::string_view name, std::string_view value);
  void AddSample(store::Sample sample) {
    samples_.push_back(sample);
    ++series_.back().samples;
  }
  // Native histogram samples (remote_write), which vigie does not store: counted as refused.
  void AddHistograms(uint64_t n) { series_.back().histograms += n; }
  // A whole series, its labels copied.
  void Add(std::span<const Label> labels, std::span<const store::Sample> samples);

  size_t size() const { return series_.size(); }
  bool empty() const { return series_.empty(); }
  // Float and histogram samples of all series.
  uint64_t SampleCount() const;
  // Clears *out and fills it with the labels of series i, as received.
  void Labels(size_t i, std::vector<LabelView>* out) const;
  std::span<const store::Sample> Samples(size_t i) const {
    return std::span<const store::Sample>(samples_).subspan(series_[i].first_sample,
                                                            series_[i].samples);
  }
  uint64_t Histograms(size_t i) const { return series_[i].histograms; }

 private:
  struct Range {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  struct ReceivedLabel {
    Range name, value;
  };
  struct Series {
    size_t first_label, labels;
    size_t first_sample, samples;
    uint64_t histograms;
  };
  Range RangeOf(std::string_view view) const;
  std::string_view View(Range r) const { return std::string_view(bytes_).substr(r.offset, r.size); }

  std::string bytes_;
  std::vector<ReceivedLabel> labels_;
  std::vector<store::Sample> samples_;
  std::vector<Series> series_;
};

}  // namespace vigie::server
