// What one target's scrapes become: Prometheus's scrape semantics applied to parsed bodies.
//   - every series gets the target's labels (job, instance, the configured ones); an exposed
//     label of the same name is kept as exported_<name> unless honor_labels, where the exposed
//     one wins;
//   - a sample's own timestamp is kept with honor_timestamps, otherwise the scrape's start;
//   - a series of the previous scrape that is missing from this one (or every series, when the
//     scrape failed) gets a staleness marker at this scrape's time, unless it carried its own
//     timestamp (as Prometheus does);
//   - the report series up, scrape_duration_seconds, scrape_samples_scraped,
//     scrape_samples_post_metric_relabeling and scrape_series_added;
//   - HELP, TYPE and UNIT become the unit's metadata.
// Lines that do not parse are counted and skipped; the rest of the body is kept (docs/collector.md
// says why this differs from Prometheus, which fails the whole scrape).
//
// Thread safety: one thread at a time (the target's scrape loop).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "collector/metric_sink.h"
#include "common/labels.h"
#include "common/prometheus/exposition.h"

namespace vigie::collector {

// The NaN Prometheus writes to mark a series stale (value.StaleNaN).
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double StaleNaN();
bool IsStaleNaN(double value);

class TargetSamples {
 public:
  // `target_labels` must be valid and distinct (the configuration checks them).
  TargetSamples(std::vector<Label> target_labels, bool honor_labels, bool honor_timestamps);

  struct Outcome {
    MetricUnit unit;
    size_t malformed_lines = 0;
    std::string first_error;  // "line 3: ..." of the first malformed line, if any.
  };

  // A scrape started at `start_ms` that fetched `body` in `duration_seconds`.
  Outcome Scraped(std::string_view body, exposition::ExpositionFormat format, int64_t start_ms,
                  double duration_seconds);
  // A scrape started at `start_ms` that failed: up 0, and the last scrape's series go stale.
  MetricUnit Failed(int64_t start_ms, double duration_seconds);

 private:
  struct Series {
    LabelSet labels;
    uint64_t scrape = 0;         // The last scrape that had it.
    bool own_timestamp = false;  // It had a timestamp of its own: no staleness marker.
  };
  class Handler;

  // The series' labels: the exposed ones merged with the target's.
  absl::StatusOr<LabelSet> SeriesLabels(const exposition::ExpositionSample& sample) const;
  // Stale markers for the series not seen in the current scrape, which are forgotten.
  void MarkStale(int64_t ts_ms, MetricUnit* unit);
  void Report(int64_t ts_ms, bool up, double duration_seconds, size_t scraped, size_t added,
              MetricUnit* unit) const;

  const std::vector<Label> target_labels_;
  const bool honor_labels_;
  const bool honor_timestamps_;
  uint64_t scrape_ = 0;
  // By the series' text as the target writes it.
  absl::flat_hash_map<std::string, Series> series_;
  exposition::ExpositionParser parser_;
};

}  // namespace vigie::collector
