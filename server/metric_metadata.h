// What vigied knows of metric families beyond their samples: type, help and unit, as
// Prometheus's remote_write sends them (WriteRequest.metadata) and as vigied's own registry
// declares them. Served at GET /api/v1/metadata.
//
// In memory only (senders resend metadata periodically: Prometheus every minute by default),
// one entry per metric family name, the last one received. Bounded: at most `max_metrics`
// names, the least recently updated forgotten first; help and unit longer than kMaxTextBytes
// are cut (at a UTF-8 character boundary). Memory: at most about max_metrics × (name + 1 KiB).
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vigie::server {

struct MetricMetadata {
  std::string type;  // Prometheus's names: counter, gauge, histogram, summary, info, ...
  std::string help;
  std::string unit;
};

class MetadataRegistry {
 public:
  static constexpr size_t kDefaultMaxMetrics = 10000;
  static constexpr size_t kMaxTextBytes = 1024;

  explicit MetadataRegistry(size_t max_metrics = kDefaultMaxMetrics);

  // Records the metadata of `metric`, replacing what was known. Ignores a metric name or text
  // that is not valid UTF-8.
  void Set(std::string_view metric, MetricMetadata metadata);

  // Sorted by metric name: every metric, or only `metric` when not empty; at most `limit`
  // (0: no limit).
  std::vector<std::pair<std::string, MetricMetadata>> List(std::string_view metric,
                                                           size_t limit) const;

 private:
  struct Entry {
    MetricMetadata metadata;
    std::list<std::string>::iterator age;  // Its place in recency_.
  };
  const size_t max_metrics_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> recency_;  // Metric names, most recently updated first.
};

}  // namespace vigie::server
