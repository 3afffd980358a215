// The host-metrics input (`type: host`, on by default): every interval, reads /proc and statfs's
// view of the mounted filesystems and hands one MetricUnit of node_exporter 1.5's families to
// the sink: node_cpu_seconds_total, node_memory_*, node_load*, node_disk_*, node_filesystem_*,
// node_network_*, node_boot_time_seconds, node_time_seconds, node_uname_info and the other
// series of node_exporter's stat collector (docs/collector.md, "Host metrics").
//
// Thread safety: Create, Start and Stop from the owner; Collect from one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/inputs/interval_loop.h"
#include "collector/metric_sink.h"
#include "collector/metrics.h"
#include "common/labels.h"

namespace vigie::collector {

struct HostSource {
  std::string name = "host";  // For the collector's own metrics.
  std::chrono::milliseconds interval{15000};
  std::string job = "node";
  std::string instance;       // The collector's `host` when empty.
  std::vector<Label> labels;  // The collector's labels.
  std::string proc = "/proc";
};

class HostInput {
 public:
  static absl::StatusOr<std::unique_ptr<HostInput>> Create(HostSource source, MetricSink* sink,
                                                           Metrics* metrics);
  ~HostInput();

  // Collects at once, then every interval.
  void Start();
  void Stop();

  // One collection, at the current time.
  MetricUnit Collect() const;

 private:
  HostInput(HostSource source, MetricSink* sink, Metrics* metrics);
  void CollectAndSend();

  const HostSource source_;
  std::vector<Label> labels_;  // job, instance and the collector's.
  MetricSink* const sink_;
  Metrics::Input metrics_;
  IntervalLoop loop_;
};

}  // namespace vigie::collector
