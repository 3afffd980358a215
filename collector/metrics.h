// The collector's own metrics, served at /metrics (see metrics_http.h). Names start with
// vigie_collector_; docs/collector.md lists them.
//
// Thread safety: prometheus-cpp metrics are atomic; ForInput() and FileLag() lock the
// registry and may be called from any thread.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace vigie::collector {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // Per input (labels input=<name>, type=<file|syslog|statsd|graphite>).
  struct Input {
    prometheus::Counter& lines;         // Entries produced.
    prometheus::Counter& bytes;         // Bytes read (files) or received (syslog).
    prometheus::Counter& truncated;     // Entries cut at the line length cap.
    prometheus::Counter& parse_errors;  // Syslog messages kept whole with parse_error="true".
    prometheus::Counter& malformed;     // StatsD and Graphite lines or values skipped.
  };
  Input ForInput(const std::string& name, const std::string& type);

  // Bytes of the file not yet read (labels input, file). Remove it when the file is released.
  prometheus::Gauge& FileLag(const std::string& input, const std::string& path);
  void RemoveFileLag(prometheus::Gauge* gauge);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& input_lines_;
  prometheus::Family<prometheus::Counter>& input_bytes_;
  prometheus::Family<prometheus::Counter>& input_truncated_;
  prometheus::Family<prometheus::Counter>& input_parse_errors_;
  prometheus::Family<prometheus::Counter>& input_malformed_;
  prometheus::Family<prometheus::Gauge>& file_lag_;

 public:
  prometheus::Gauge& files_open;
  prometheus::Gauge& file_reading_paused;
  prometheus::Counter& batches_created;
  prometheus::Counter& batches_sent;
  prometheus::Counter& batches_acked;
  prometheus::Counter& batches_duplicate;
  prometheus::Counter& entries_acked;
  prometheus::Counter& entries_rejected;
  prometheus::Counter& samples_acked;
  prometheus::Counter& samples_rejected;
  prometheus::Gauge& batches_in_flight;
  prometheus::Gauge& connected;
  prometheus::Counter& stream_failures;
  prometheus::Gauge& spool_bytes;
  prometheus::Gauge& spool_batches;
  prometheus::Counter& spool_dropped_batches;
  prometheus::Counter& spool_dropped_entries;
  prometheus::Counter& spool_dropped_samples;
  prometheus::Counter& spool_write_errors;
  prometheus::Counter& metric_units_refused;
};

}  // namespace vigie::collector
