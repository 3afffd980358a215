// Where the metric inputs (StatsD, Graphite, scrape, host) hand their samples: the batcher, or
// a recorder in tests. The unit of hand-over is one flush or one scrape, which vigied stores
// whole or not at all: the batcher never splits a MetricUnit across two PushRequests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/wire_labels.h"
#include "common/labels.h"

namespace vigie::collector {

// One sample of one series. The series' labels (__name__ included) are shared, not copied: an
// input makes a series' handle once (MakeWireLabels) and keeps it for as long as it sends the
// series, so a sample costs a reference, and the batcher appends the labels' wire bytes as they
// are (that is what makes a 100,000-series scrape cheap).
struct MetricSample {
  SeriesRef series;  // Never null.
  int64_t ts_ms = 0;
  double value = 0;

  const LabelSet& labels() const { return series->labels; }
};

// What a scrape learns of a metric family from HELP, TYPE and UNIT, passed on to vigied's
// /api/v1/metadata. `type` uses Prometheus's names: counter, gauge, histogram, summary, ...
struct MetricFamilyInfo {
  std::string metric;
  std::string type;
  std::string help;
  std::string unit;
};

// One flush or one scrape.
struct MetricUnit {
  std::vector<MetricSample> samples;
  std::vector<MetricFamilyInfo> metadata;
};

class MetricSink {
 public:
  virtual ~MetricSink() = default;
  // Takes one unit. May block (back-pressure). Thread-safe.
  virtual void AddMetrics(MetricUnit unit) = 0;
};

}  // namespace vigie::collector
