// vigied's own metrics, served on /metrics in the Prometheus text format.
//
// Thread safety: the counters and histograms are prometheus-cpp's, safe to update from any
// thread. Serialize() may run concurrently with updates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "store/store.h"

namespace vigie::server {

class ServerMetrics {
 public:
  // `store` (not owned) is read at each Serialize() for its sizes.
  explicit ServerMetrics(const store::Store* store);

  // One ingested batch: what it stored and what it refused.
  void Ingested(std::string_view protocol, uint64_t lines, uint64_t bytes, uint64_t rejected,
                bool duplicate);
  // Metric series and samples as received (before validation), by protocol.
  void SamplesReceived(std::string_view protocol, uint64_t series, uint64_t samples);
  void SamplesStored(std::string_view protocol, uint64_t samples);
  // `samples` refused, by protocol and reason (docs/operations.md lists the reasons).
  void SamplesRefused(std::string_view protocol, std::string_view reason, uint64_t samples);
  // One query's wall time, by API ("grpc", "loki") and kind ("log", "metric", "labels").
  void QueryDone(std::string_view api, std::string_view kind, double seconds, bool ok);
  void SetTailFollowers(size_t n);

  // The registry's current values (the store's sizes read now): what /metrics serves, and what
  // vigied stores as its own series (server/self_metrics.h).
  std::vector<prometheus::MetricFamily> Collect();
  std::string Serialize();
  // The registry /metrics serves, for components that register their own families (rules).
  prometheus::Registry& registry() { return *registry_; }

 private:
  const store::Store* store_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& lines_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& batches_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& duplicates_;
  prometheus::Family<prometheus::Counter>& series_received_;
  prometheus::Family<prometheus::Counter>& samples_received_;
  prometheus::Family<prometheus::Counter>& samples_stored_;
  prometheus::Family<prometheus::Counter>& samples_refused_;
  prometheus::Family<prometheus::Histogram>& query_seconds_;
  prometheus::Family<prometheus::Counter>& query_errors_;
  prometheus::Gauge& tail_followers_;
  prometheus::Gauge& streams_;
  prometheus::Gauge& partitions_;
  prometheus::Gauge& disk_bytes_;
  prometheus::Gauge& memtable_bytes_;
};

}  // namespace vigie::server
