// Where the metric inputs (StatsD, Graphite, scrape, host) hand their samples: the batcher, or
// a recorder in tests. The unit of hand-over is one flush or one scrape, which vigied stores
// whole or not at all: the batcher never splits a MetricUnit across two PushRequests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/labels.h"

namespace vigie::collector {

// One sample of one series. `labels` include __name__.
struct MetricSample {
  LabelSet labels;
  int64_t ts_ms = 0;
  double value = 0;
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
