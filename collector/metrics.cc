#include "collector/metrics.h"

namespace vigie::collector {

namespace {

template <typename Builder>
auto& Family(Builder builder, const char* name, const char* help, prometheus::Registry& r) {
  return builder.Name(name).Help(help).Register(r);
}

prometheus::Counter& Counter(const char* name, const char* help, prometheus::Registry& r) {
  return Family(prometheus::BuildCounter(), name, help, r).Add({});
}

prometheus::Gauge& Gauge(const char* name, const char* help, prometheus::Registry& r) {
  return Family(prometheus::BuildGauge(), name, help, r).Add({});
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      input_lines_(Family(prometheus::BuildCounter(), "vigie_collector_input_lines_total",
                          "Entries produced by an input.", *registry_)),
      input_bytes_(Family(prometheus::BuildCounter(), "vigie_collector_input_bytes_total",
                          "Bytes read from files or received by a syslog listener.", *registry_)),
      input_truncated_(Family(prometheus::BuildCounter(), "vigie_collector_input_truncated_total",
                              "Entries cut at the line length cap.", *registry_)),
      input_parse_errors_(
          Family(prometheus::BuildCounter(), "vigie_collector_syslog_parse_errors_total",
                 "Syslog messages kept whole with parse_error=\"true\".", *registry_)),
      input_malformed_(Family(prometheus::BuildCounter(), "vigie_collector_input_malformed_total",
                              "Malformed StatsD or Graphite lines (or values) skipped.",
                              *registry_)),
      file_lag_(Family(prometheus::BuildGauge(), "vigie_collector_file_lag_bytes",
                       "Bytes of a tailed file not yet read.", *registry_)),
      files_open(Gauge("vigie_collector_files_open", "Files being tailed.", *registry_)),
      file_reading_paused(Gauge("vigie_collector_file_reading_paused",
                                "1 while files wait for room in a nearly full spool.", *registry_)),
      batches_created(Counter("vigie_collector_batches_created_total",
                              "Batches closed and written to the spool.", *registry_)),
      batches_sent(Counter(
          "vigie_collector_batches_sent_total",
          "Batches written to the Push stream (resends included; several may share a request).",
          *registry_)),
      batches_acked(Counter("vigie_collector_batches_acked_total",
                            "Batches acknowledged by the server.", *registry_)),
      batches_duplicate(Counter("vigie_collector_batches_duplicate_total",
                                "Acknowledged batches the server had already stored.", *registry_)),
      entries_acked(Counter("vigie_collector_entries_acked_total",
                            "Log entries the server accepted.", *registry_)),
      entries_rejected(Counter("vigie_collector_entries_rejected_total",
                               "Log entries the server refused (limits, malformed).", *registry_)),
      samples_acked(Counter("vigie_collector_samples_acked_total",
                            "Metric samples the server accepted.", *registry_)),
      samples_rejected(Counter("vigie_collector_samples_rejected_total",
                               "Metric samples the server refused (limits, malformed, out of "
                               "order, another value at a stored time).",
                               *registry_)),
      batches_in_flight(Gauge("vigie_collector_batches_in_flight",
                              "Batches sent and not yet acknowledged.", *registry_)),
      connected(Gauge("vigie_collector_connected",
                      "1 while a Push stream to the server is up and acknowledging.", *registry_)),
      stream_failures(Counter("vigie_collector_stream_failures_total",
                              "Push streams that ended in an error.", *registry_)),
      spool_bytes(Gauge("vigie_collector_spool_bytes", "Bytes in the spool.", *registry_)),
      spool_batches(Gauge("vigie_collector_spool_batches",
                          "Batches in the spool not yet acknowledged.", *registry_)),
      spool_dropped_batches(Counter("vigie_collector_spool_dropped_batches_total",
                                    "Oldest batches dropped because the spool was full.",
                                    *registry_)),
      spool_dropped_entries(Counter("vigie_collector_spool_dropped_entries_total",
                                    "Log entries of the batches dropped from a full spool (or "
                                    "found corrupt in it).",
                                    *registry_)),
      spool_dropped_samples(Counter("vigie_collector_spool_dropped_samples_total",
                                    "Metric samples of the batches dropped from a full spool (or "
                                    "found corrupt in it).",
                                    *registry_)),
      spool_write_errors(Counter("vigie_collector_spool_write_errors_total",
                                 "Failed spool writes (retried).", *registry_)),
      metric_units_refused(Counter("vigie_collector_metric_units_refused_total",
                                   "StatsD flushes or scrapes dropped whole: more samples than "
                                   "vigied stores in one request.",
                                   *registry_)) {}

Metrics::Input Metrics::ForInput(const std::string& name, const std::string& type) {
  std::map<std::string, std::string> labels = {{"input", name}, {"type", type}};
  return Input{input_lines_.Add(labels), input_bytes_.Add(labels), input_truncated_.Add(labels),
               input_parse_errors_.Add(labels), input_malformed_.Add(labels)};
}

prometheus::Gauge& Metrics::FileLag(const std::string& input, const std::string& path) {
  return file_lag_.Add({{"input", input}, {"file", path}});
}

void Metrics::RemoveFileLag(prometheus::Gauge* gauge) { file_lag_.Remove(gauge); }

}  // namespace vigie::collector
