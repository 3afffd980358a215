// The Graphite input: receives Graphite plaintext lines on TCP and UDP (line_listener.h) and
// hands each block received (a datagram, a read of a connection) to the metric sink as one
// unit. Names map as graphite_exporter's default does (metric_names.h): "queue.algolia.depth"
// becomes queue_algolia_depth; tags become labels. Malformed lines are counted and skipped.
//
// Thread safety: Create, Start, Stop and bound() from the owner.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/inputs/graphite_parse.h"
#include "collector/inputs/line_listener.h"
#include "collector/metric_sink.h"
#include "collector/metrics.h"

namespace vigie::collector {

struct GraphiteSource {
  std::string name;                 // For metrics.
  std::vector<std::string> listen;  // "tcp://host:port", "udp://host:port".
  std::vector<Label> labels;        // Added to every series; they win over a tag of the name.
  size_t max_line_bytes = 64 * 1024;
};

class GraphiteInput {
 public:
  static absl::StatusOr<std::unique_ptr<GraphiteInput>> Create(GraphiteSource source,
                                                               MetricSink* sink, Metrics* metrics);

  std::vector<std::string> bound() const { return listener_->bound(); }
  void Start() { listener_->Start(); }
  void Stop() { listener_->Stop(); }

 private:
  GraphiteInput(GraphiteSource source, MetricSink* sink, Metrics* metrics);
  void Receive(std::string_view lines);
  // The series of `line`; the reason when its tags cannot be labels.
  absl::StatusOr<LabelSet> Labels(const GraphiteLine& line) const;

  const GraphiteSource source_;
  MetricSink* const sink_;
  const Metrics::Input metrics_;
  std::unique_ptr<LineListener> listener_;
  GraphiteLine line_;  // Reused by Receive, on the listener's thread.
  std::chrono::steady_clock::time_point last_warning_;
};

}  // namespace vigie::collector
