// Aggregates StatsD metrics between flushes with Etsy statsd's semantics, and turns each flush
// into one MetricUnit of Prometheus-style series (docs/collector.md, "StatsD"):
//   counter a.b -> a_b_total, its sum since the start (sample rates applied);
//   gauge a.b   -> a_b, its last value (changes "+n"/"-n" applied to it);
//   timer a.b   -> summary a_b_seconds: {quantile="0.9"} is Etsy's upper_90 of the last flush,
//                  _sum and _count cumulative;
//   histogram/distribution a.b -> the summary a_b, same rules, values as sent;
//   set a.b     -> a_b, the distinct values of the last flush.
// DogStatsD tags become labels. A metric without values for `delete_idle_after` is dropped, its
// series marked stale, as Etsy's deleteIdleStats stops sending it.
//
// The hot path (AddLines) finds metrics by the bytes of their type, name and tags in a dense
// table of their hot state (statsd_table.h), a batch of lines at a time: the batch is parsed and
// its metrics' slots and records fetched ahead before any is added to, so that the cache misses
// of finding them overlap instead of following one another. No allocation per value once a
// metric is known (timers grow a vector that keeps its capacity between flushes).
//
// Thread safety: none; the StatsD input serialises calls with its mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "collector/inputs/statsd_parse.h"
#include "collector/inputs/statsd_table.h"
#include "collector/metric_sink.h"
#include "common/labels.h"

namespace vigie::collector {

struct StatsdOptions {
  std::vector<double> percentiles = {90};        // Etsy's percentThreshold: in (0, 100].
  int64_t delete_idle_after_ms = 5 * 60 * 1000;  // 0: never.
  std::vector<Label> labels;  // Added to every series; they win over a tag of the same name.
};

class StatsdAggregator {
 public:
  explicit StatsdAggregator(StatsdOptions options);
  ~StatsdAggregator();

  struct Counts {
    uint64_t metrics = 0;     // Values aggregated.
    uint64_t malformed = 0;   // Values (or lines) refused.
    std::string first_error;  // The first refused line and why, when malformed > 0.
  };
  // Parses and aggregates the '\n'-separated `lines` received at `now_ms`, adding to `counts`.
  void AddLines(std::string_view lines, int64_t now_ms, Counts* counts);

  // The flush at `now_ms`: every live metric's series, and the staleness markers of the metrics
  // dropped as idle. Starts the next flush interval.
  MetricUnit Flush(int64_t now_ms);

  size_t size() const { return table_.size(); }

 private:
  struct Metric;
  // A value of a line of the batch being added, with its key.
  struct Item {
    uint32_t key_offset, key_size;  // In batch_keys_.
    uint64_t hash;
    uint32_t candidate;  // StatsdTable::Candidate.
  };
  static constexpr size_t kBatchLines = 16;

  // Adds the values of batch_[0, lines), whose keys are items_.
  void AddBatch(size_t lines, int64_t now_ms, Counts* counts);
  // The metric of `item` (of `line`), created if new; kNone (and `*error` set) when its tags
  // cannot be labels.
  uint32_t Resolve(const Item& item, const StatsdLine& line, StatsdType type, const char** error);
  uint32_t Create(std::string_view key, uint64_t hash, const StatsdLine& line, StatsdType type,
                  const char** error);
  void Emit(Metric& m, StatsdTotals& totals, int64_t now_ms, MetricUnit* unit);
  void DropIdle(int64_t now_ms, MetricUnit* unit);

  const StatsdOptions options_;
  std::vector<std::string> quantile_values_;  // The quantile label of each percentile.
  StatsdTable table_;                         // Type, name and tags as first received -> hot.
  std::vector<Metric> metrics_;               // The rest of table_'s metrics, at its indexes.
  // Other spellings of a known metric's key (tags in another order), and the canonical identity
  // (family name and labels) of each metric -> its index.
  absl::flat_hash_map<std::string, uint32_t> aliases_;
  absl::flat_hash_map<std::string, uint32_t> by_identity_;
  // The batch AddLines works on, reused.
  StatsdLine batch_[kBatchLines];
  std::string_view batch_text_[kBatchLines];
  std::vector<Item> items_;
  std::string batch_keys_;
};

}  // namespace vigie::collector
