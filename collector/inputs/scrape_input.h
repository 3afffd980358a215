// The Prometheus scrape input (`type: scrape`): GETs each configured target's metrics every
// interval, one thread per target, and hands each scrape to the sink as one MetricUnit (stored
// whole or not at all). TargetSamples applies Prometheus's semantics to each body;
// docs/collector.md
// ("Prometheus scrape") has the configuration and the decisions.
//
// Thread safety: Create, Start and Stop from the owner.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/metric_sink.h"
#include "collector/metrics.h"
#include "common/labels.h"

namespace vigie::collector {

struct ScrapeTargetSpec {
  std::string url;            // http:// or https://
  std::vector<Label> labels;  // Win over job and instance.
};

struct ScrapeSource {
  std::string name;            // For the collector's own metrics.
  std::string job = "scrape";  // The `job` label, unless a target's labels set one.
  std::vector<Label> labels;   // Added to every target's labels (the collector's own).
  std::chrono::milliseconds interval{15000};
  std::chrono::milliseconds timeout{10000};  // At most the interval.
  bool honor_labels = false;
  bool honor_timestamps = true;
  size_t max_body_bytes = 256u << 20;  // Decoded.
  std::vector<ScrapeTargetSpec> targets;
};

// The `instance` Prometheus gives a target: the URL's host:port, with the scheme's default port
// when the URL has none. Fails when `url` is not an http(s) URL with a host.
absl::StatusOr<std::string> ScrapeInstance(std::string_view url);

class ScrapeInput {
 public:
  // Fails when a target's URL or labels are invalid.
  static absl::StatusOr<std::unique_ptr<ScrapeInput>> Create(ScrapeSource source, MetricSink* sink,
                                                             Metrics* metrics);
  ~ScrapeInput();

  // Each target is scraped at once, then every interval.
  void Start();
  void Stop();

 private:
  struct Target;
  ScrapeInput(ScrapeSource source, MetricSink* sink, Metrics* metrics);
  void Scrape(Target* target);

  const ScrapeSource source_;
  MetricSink* const sink_;
  Metrics::Input metrics_;
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace vigie::collector
