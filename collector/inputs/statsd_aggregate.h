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
// The hot path (AddLines) looks metrics up by the bytes of their name, type and tags, in a map
// whose keys are views of the metrics' own copies of those bytes: no allocation per metric once
// a metric is known (timers grow a vector that keeps its capacity between flushes), and the key
// compared sits beside the totals it leads to.
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

  size_t size() const { return metrics_.size(); }

 private:
  struct Metric;
  // The metric of `line`'s name and tags with `type`, created if new; null (and `*error` set)
  // when its tags cannot be labels.
  Metric* Find(const StatsdLine& line, StatsdType type, const char** error);
  Metric* Create(const StatsdLine& line, StatsdType type, const char** error);
  void Emit(Metric& m, int64_t now_ms, MetricUnit* unit);
  void EmitStale(const Metric& m, int64_t now_ms, MetricUnit* unit);
  void DropIdle(int64_t now_ms, MetricUnit* unit);

  const StatsdOptions options_;
  std::vector<std::string> quantile_values_;  // The quantile label of each percentile.
  std::vector<std::unique_ptr<Metric>> metrics_;
  // Type, name and tags as received -> metric; several spellings (tag order) may share one.
  // The views point into the metrics' own copies of their keys (Metric::AddKey).
  absl::flat_hash_map<std::string_view, Metric*> by_key_;
  // The canonical identity (family name and labels) -> metric.
  absl::flat_hash_map<std::string, Metric*> by_identity_;
  StatsdLine line_;  // Reused by AddLines.
  std::string key_;  // Reused by Find.
};

}  // namespace vigie::collector
