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

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/node_hash_map.h"
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
    SeriesRef ref;
    uint64_t scrape = 0;         // The last scrape that had it.
    size_t position = 0;         // Its place in that scrape's order (last_order_ or order_).
    bool own_timestamp = false;  // It had a timestamp of its own: no staleness marker.
  };
  // A series of a scrape, in the order the target wrote them: its text (series_'s key) and entry.
  using Seen = std::pair<std::string_view, Series*>;
  class Handler;

  // The series' labels: the exposed ones merged with the target's.
  absl::StatusOr<LabelSet> SeriesLabels(const exposition::ExpositionSample& sample) const;
  // Stale markers for the series not seen in the current scrape, which are forgotten.
  void MarkStale(int64_t ts_ms, MetricUnit* unit);
  void Report(int64_t ts_ms, bool up, double duration_seconds, size_t scraped, size_t added,
              MetricUnit* unit) const;
  // The series `text` (null if new), looked for first where the last scrape had the next one.
  Seen Find(std::string_view text);

  const std::vector<Label> target_labels_;
  const bool honor_labels_;
  const bool honor_timestamps_;
  // The series of the report (up, scrape_duration_seconds, ...), made once.
  std::array<SeriesRef, 5> report_series_;
  uint64_t scrape_ = 0;
  // The series of the last scrape (and those of the current one so far), by their text as the
  // target writes it. A node map: last_order_ and order_ point into it.
  absl::node_hash_map<std::string, Series> series_;
  // A target writes its series in the same order at every scrape: the last scrape's order, and
  // where in it the current one has got to, make finding a line's series one comparison of
  // neighbouring memory rather than a hash lookup among 100,000 scattered entries.
  std::vector<Seen> last_order_;
  size_t cursor_ = 0;
  std::vector<Seen> order_;  // The current scrape's.
  exposition::ExpositionParser parser_;
};

}  // namespace vigie::collector
