// The StatsD input: receives StatsD lines on UDP and TCP (line_listener.h), aggregates them
// (statsd_aggregate.h) and, every `flush`, hands the flush to the metric sink as one unit,
// which vigied stores whole or not at all. A flush that finds nothing to send sends nothing.
//
// Thread safety: Create, Start, Stop and bound() from the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/inputs/line_listener.h"
#include "collector/inputs/statsd_aggregate.h"
#include "collector/metric_sink.h"
#include "collector/metrics.h"

namespace vigie::collector {

struct StatsdSource {
  std::string name;                 // For metrics.
  std::vector<std::string> listen;  // "udp://host:port", "tcp://host:port".
  std::chrono::milliseconds flush{10000};
  StatsdOptions aggregate;  // Its labels: the configuration's, then `host`, filled at start.
  size_t max_line_bytes = 64 * 1024;
};

class StatsdInput {
 public:
  static absl::StatusOr<std::unique_ptr<StatsdInput>> Create(StatsdSource source, MetricSink* sink,
                                                             Metrics* metrics);
  ~StatsdInput();

  std::vector<std::string> bound() const { return listener_->bound(); }

  void Start();
  // Stops receiving and hands on a last flush of what was received.
  void Stop();

 private:
  StatsdInput(StatsdSource source, MetricSink* sink, Metrics* metrics);
  void Receive(std::string_view lines);
  void RunFlushes();
  void FlushOnce();

  const StatsdSource source_;
  MetricSink* const sink_;
  const Metrics::Input metrics_;
  std::unique_ptr<LineListener> listener_;
  std::mutex mu_;  // Guards aggregator_ and counts_.
  StatsdAggregator aggregator_;
  StatsdAggregator::Counts counts_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace vigie::collector
