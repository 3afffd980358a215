// Counting the lines of a log selector per series and per time bucket on the scan's worker
// threads (ScanBlocks), for the queries that need only counts and byte sums: LogQL's
// count_over_time, rate and bytes_over_time / bytes_rate without an unwrap, absent_over_time,
// and `vigie grep --count`. Nothing goes through one thread line by line and nothing is put in
// time order; memory is (series + streams) × buckets per worker, whatever the number of matches.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "common/labels.h"
#include "query/logql/block_scan.h"

namespace vigie::logql {

// The time buckets (bounds[j], bounds[j + 1]] that counts are kept in.
class TimeBuckets {
 public:
  // `bounds`: ascending, without duplicates, at least two. Lines outside (front, back] are
  // counted in the first or the last bucket: the scan's range keeps them out.
  explicit TimeBuckets(std::vector<int64_t> bounds) : bounds_(std::move(bounds)) {}

  size_t size() const { return bounds_.size() - 1; }
  const std::vector<int64_t>& bounds() const { return bounds_; }
  // The bucket of `ts` (clamped to the first and the last).
  size_t Of(int64_t ts) const;

 private:
  std::vector<int64_t> bounds_;
};

struct BucketCount {
  uint64_t lines = 0;
  uint64_t bytes = 0;  // Of the lines as the pipeline left them.
};

struct CountedSeries {
  LabelSet labels;
  std::vector<BucketCount> buckets;  // One per TimeBuckets bucket.
};

// Counts the lines ScanBlocks hands out per series and bucket. A line that a pipeline stage gave
// labels (ScannedLine::labels, as options.labels_kind and options.sample make them) counts
// towards those; any other line towards stream_series[its stream], or nowhere when that is
// empty. Returns the series with at least one line, sorted by labels.
absl::Status CountLines(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options,
                        const TimeBuckets& buckets,
                        const std::vector<std::optional<LabelSet>>& stream_series,
                        std::vector<CountedSeries>* out, ScanStats* stats);

}  // namespace vigie::logql
