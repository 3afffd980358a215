// The narrow interface through which query/ (PromQL, and LogQL's metric queries), alerts/ and
// server/ read stored metric series, and the types series are appended with (through
// store::Appender, in the same request and the same atomic write as log entries).
//
// A series is its canonical LabelSet, `__name__` included; its id is the same hash as a log
// stream's (LabelSet::Hash), in its own namespace. Times are Unix milliseconds, as in
// Prometheus. store/ knows nothing of regexes: a matcher is a label name and a predicate over
// its values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/labels.h"

namespace vigie::store {

using SeriesId = uint64_t;

struct Sample {
  int64_t ts_ms = 0;
  double value = 0;  // Any double, NaN and Prometheus's staleness marker included (bit-exact).
  bool operator==(const Sample& other) const;  // Bitwise on the value: NaN == the same NaN.
};

// The samples of one series, as appended.
struct SeriesSamples {
  LabelSet labels;
  std::vector<Sample> samples;
};

// Series with their samples, flattened: a batch costs a few allocations however many series it
// holds. Series i has the canonical labels Labels(i) (LabelSet::Encode() form), its id (their
// XXH3 hash, LabelSet::Hash()) and its samples, in the order they were added. A series may be
// given more than once; appending it stores the union.
//
// Thread safety: a value type; const methods are safe to call concurrently.
class SeriesBatch {
 public:
  void Reserve(size_t series, size_t label_bytes, size_t samples);
  // Adds a series by its canonical encoded labels and their hash. Series without samples are
  // left out.
  void Add(std::string_view encoded_labels, SeriesId id, std::span<const Sample> samples);
  void Add(const LabelSet& labels, std::span<const Sample> samples);
  void Add(const SeriesSamples& series) { Add(series.labels, series.samples); }

  size_t size() const { return series_.size(); }
  bool empty() const { return series_.empty(); }
  size_t sample_count() const { return samples_.size(); }
  size_t label_bytes() const { return labels_.size(); }
  SeriesId Id(size_t i) const { return series_[i].id; }
  std::string_view Labels(size_t i) const {
    return std::string_view(labels_).substr(series_[i].labels_offset, series_[i].labels_size);
  }
  std::span<const Sample> Samples(size_t i) const {
    return std::span<const Sample>(samples_).subspan(series_[i].first_sample, series_[i].samples);
  }
  // Sorts each series' samples by time, keeping the order of equal times.
  void SortSamples();

 private:
  struct Series {
    SeriesId id = 0;
    uint32_t labels_offset = 0;
    uint32_t labels_size = 0;
    size_t first_sample = 0;
    size_t samples = 0;
  };
  std::vector<Series> series_;
  std::string labels_;
  std::vector<Sample> samples_;
};

// What one append did to its samples (store::AppendResult::series).
struct SeriesAppendResult {
  uint64_t accepted = 0;      // Stored, or already stored with the same value.
  uint64_t duplicates = 0;    // Of those, not written: same timestamp and value as stored.
  uint64_t out_of_order = 0;  // Refused: older than the series' newest sample by more than the
                              // out-of-order window.
  uint64_t conflicts = 0;     // Refused: same timestamp as a stored sample, another value.
  uint64_t collisions = 0;    // Refused: the series id is taken by another label set.
  std::string reason;         // What was refused first, when anything was.
};

// A condition on one label, Prometheus's semantics: a series without the label is tested with
// the value "" (so `a!="x"` and `a=~".*"` select series without `a`, `a=~".+"` does not).
struct SeriesMatcher {
  std::string name;
  std::function<bool(std::string_view value)> accept;
  // Set when `accept` is equality with this value: the index looks it up directly.
  std::optional<std::string> equals;
};

struct SeriesRef {
  SeriesId id = 0;
  LabelSet labels;
};

// A point-in-time view for one query. Thread-safe: a query may read several series at once.
class SeriesReader {
 public:
  virtual ~SeriesReader() = default;
  // Appends to *out the samples of `series` with mint_ms <= ts <= maxt_ms, ascending by time,
  // staleness markers included. NotFound only when the series is unknown.
  virtual absl::Status Samples(SeriesId series, int64_t mint_ms, int64_t maxt_ms,
                               std::vector<Sample>* out) const = 0;

  // Reads many series in one pass: calls visit(i, samples) with what Samples gives for ids[i],
  // for each i whose series is known and has samples in [mint_ms, maxt_ms]. `samples` is valid
  // during the call only. The calls come one at a time on the caller's thread, in the order the
  // reader reads fastest (RocksStore: ascending id, one pass over each partition's chunks, so a
  // caller splitting work between threads should give each a range of ids). Stops at the first
  // error, of reading or of `visit`, and returns it. The default calls Samples for each.
  using SamplesVisitor = std::function<absl::Status(size_t index, std::span<const Sample> samples)>;
  virtual absl::Status ForEachSamples(std::span<const SeriesId> ids, int64_t mint_ms,
                                      int64_t maxt_ms, const SamplesVisitor& visit) const;
};

// Thread safety: every method may be called concurrently with appends and with each other.
class SeriesQuerier {
 public:
  virtual ~SeriesQuerier() = default;
  // The series satisfying every matcher (at least one must not accept "", as in Prometheus:
  // the caller checks) that may have samples in [mint_ms, maxt_ms]: those with data in a time
  // partition overlapping it, so some may have none in the range itself. Sorted by labels.
  // Uses the postings index: the values of a matcher's label are tested, never every series.
  virtual std::vector<SeriesRef> SelectSeries(std::span<const SeriesMatcher> matchers,
                                              int64_t mint_ms, int64_t maxt_ms) const = 0;
  // Sorted, distinct label names / values of the series SelectSeries would return (all series
  // with data in the range when `matchers` is empty).
  virtual std::vector<std::string> SeriesLabelNames(std::span<const SeriesMatcher> matchers,
                                                    int64_t mint_ms, int64_t maxt_ms) const = 0;
  virtual std::vector<std::string> SeriesLabelValues(std::string_view name,
                                                     std::span<const SeriesMatcher> matchers,
                                                     int64_t mint_ms, int64_t maxt_ms) const = 0;
  virtual std::unique_ptr<SeriesReader> NewSeriesReader() const = 0;
};

// Prometheus's staleness marker: a NaN with this bit pattern, written by a scraper when a
// series disappears. Stored bit-exact; queries treat it as "no value from here on".
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double StaleNaN();
bool IsStaleNaN(double value);

}  // namespace vigie::store
