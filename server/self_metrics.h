// vigied's own metrics as series in its own store: every interval, the registry that /metrics
// serves (ServerMetrics::Collect, prometheus-cpp's collected values, not text) is turned into
// samples as Prometheus would scrape them and ingested through the same Ingester as any sender,
// with job="vigied" and instance=<the HTTP listener's host:port> (docs/operations.md,
// "Self-observation").
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "prometheus/metric_family.h"
#include "server/ingester.h"
#include "server/metric_metadata.h"
#include "server/metrics.h"

namespace vigie::server {

// The series a Prometheus scrape of `families` at `ts_ms` would yield, each with `target`
// added (replacing a label of the same name): counters and gauges as they are named;
// histograms as <name>_bucket (with `le`, cumulative, up to "+Inf"), <name>_sum and
// <name>_count; summaries as <name> (with `quantile`), <name>_sum and <name>_count.
ReceivedSeriesList SeriesFromFamilies(const std::vector<prometheus::MetricFamily>& families,
                                      const std::vector<Label>& target, int64_t ts_ms);

// Prometheus's name of a family's type ("counter", "gauge", "histogram", "summary", ...).
std::string MetadataType(const prometheus::MetricFamily& family);

// Collects and ingests on its own thread: once at construction, then every `interval_ns`, and
// a last time when destroyed (vigied stopping). Nothing is owned; all must outlive it. A collection
// that fails to be stored is logged, and the next one comes at its time.
class SelfMetrics {
 public:
  SelfMetrics(ServerMetrics* metrics, Ingester* ingester, MetadataRegistry* metadata,
              std::string instance, int64_t interval_ns);
  ~SelfMetrics();
  SelfMetrics(const SelfMetrics&) = delete;
  SelfMetrics& operator=(const SelfMetrics&) = delete;

 private:
  void Run();
  void CollectOnce();

  ServerMetrics* metrics_;
  Ingester* ingester_;
  MetadataRegistry* metadata_;
  const std::vector<Label> target_;
  const int64_t interval_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vigie::server
