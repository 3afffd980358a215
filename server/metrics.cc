#include "server/metrics.h"

#include "prometheus/text_serializer.h"

namespace vigie::server {

namespace {
prometheus::Gauge& OneGauge(prometheus::Registry& r, const std::string& name,
                            const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

ServerMetrics::ServerMetrics(const store::Store* store)
    : store_(store),
      registry_(std::make_shared<prometheus::Registry>()),
      lines_(prometheus::BuildCounter()
                 .Name("vigie_ingested_lines_total")
                 .Help("Log lines stored, by protocol.")
                 .Register(*registry_)),
      bytes_(prometheus::BuildCounter()
                 .Name("vigie_ingested_bytes_total")
                 .Help("Log line bytes stored, by protocol.")
                 .Register(*registry_)),
      batches_(prometheus::BuildCounter()
                   .Name("vigie_ingested_batches_total")
                   .Help("Batches acknowledged, by protocol.")
                   .Register(*registry_)),
      rejected_(prometheus::BuildCounter()
                    .Name("vigie_rejected_lines_total")
                    .Help("Log lines refused for breaking a limit or being malformed.")
                    .Register(*registry_)),
      duplicates_(prometheus::BuildCounter()
                      .Name("vigie_duplicate_batches_total")
                      .Help("Batches resent after a lost ack, acknowledged without storing.")
                      .Register(*registry_)),
      series_received_(prometheus::BuildCounter()
                           .Name("vigie_received_series_total")
                           .Help("Metric series received in requests, by protocol (a series "
                                 "sent in two requests counts twice).")
                           .Register(*registry_)),
      samples_received_(prometheus::BuildCounter()
                            .Name("vigie_received_samples_total")
                            .Help("Metric samples received, by protocol.")
                            .Register(*registry_)),
      samples_stored_(prometheus::BuildCounter()
                          .Name("vigie_ingested_samples_total")
                          .Help("Metric samples stored (or already stored), by protocol.")
                          .Register(*registry_)),
      samples_refused_(prometheus::BuildCounter()
                           .Name("vigie_rejected_samples_total")
                           .Help("Metric samples refused, by protocol and reason.")
                           .Register(*registry_)),
      query_seconds_(prometheus::BuildHistogram()
                         .Name("vigie_query_duration_seconds")
                         .Help("Query wall time, by API and kind.")
                         .Register(*registry_)),
      query_errors_(prometheus::BuildCounter()
                        .Name("vigie_query_errors_total")
                        .Help("Queries that failed, by API and kind.")
                        .Register(*registry_)),
      tail_followers_(OneGauge(*registry_, "vigie_tail_followers", "Live tail followers.")),
      streams_(OneGauge(*registry_, "vigie_store_streams", "Log streams stored.")),
      partitions_(OneGauge(*registry_, "vigie_store_partitions", "Time partitions stored.")),
      disk_bytes_(
          OneGauge(*registry_, "vigie_store_disk_bytes", "Bytes of RocksDB table and blob files.")),
      memtable_bytes_(OneGauge(*registry_, "vigie_store_memtable_bytes",
                               "Bytes written (and in the WAL) but not yet flushed.")) {}

void ServerMetrics::Ingested(std::string_view protocol, uint64_t lines, uint64_t bytes,
                             uint64_t rejected, bool duplicate) {
  std::map<std::string, std::string> labels = {{"protocol", std::string(protocol)}};
  lines_.Add(labels).Increment(static_cast<double>(lines));
  bytes_.Add(labels).Increment(static_cast<double>(bytes));
  batches_.Add(labels).Increment();
  if (rejected) rejected_.Add(labels).Increment(static_cast<double>(rejected));
  if (duplicate) duplicates_.Add(labels).Increment();
}

void ServerMetrics::SamplesReceived(std::string_view protocol, uint64_t series, uint64_t samples) {
  std::map<std::string, std::string> labels = {{"protocol", std::string(protocol)}};
  series_received_.Add(labels).Increment(static_cast<double>(series));
  samples_received_.Add(labels).Increment(static_cast<double>(samples));
}

void ServerMetrics::SamplesStored(std::string_view protocol, uint64_t samples) {
  samples_stored_.Add({{"protocol", std::string(protocol)}})
      .Increment(static_cast<double>(samples));
}

void ServerMetrics::SamplesRefused(std::string_view protocol, std::string_view reason,
                                   uint64_t samples) {
  samples_refused_.Add({{"protocol", std::string(protocol)}, {"reason", std::string(reason)}})
      .Increment(static_cast<double>(samples));
}

void ServerMetrics::QueryDone(std::string_view api, std::string_view kind, double seconds,
                              bool ok) {
  std::map<std::string, std::string> labels = {{"api", std::string(api)},
                                               {"kind", std::string(kind)}};
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  query_seconds_.Add(labels, kBuckets).Observe(seconds);
  if (!ok) query_errors_.Add(labels).Increment();
}

void ServerMetrics::SetTailFollowers(size_t n) { tail_followers_.Set(static_cast<double>(n)); }

std::string ServerMetrics::Serialize() { return prometheus::TextSerializer().Serialize(Collect()); }

std::vector<prometheus::MetricFamily> ServerMetrics::Collect() {
  store::StoreStats stats = store_->Stats();
  streams_.Set(static_cast<double>(stats.streams));
  partitions_.Set(static_cast<double>(stats.partitions));
  disk_bytes_.Set(static_cast<double>(stats.disk_bytes));
  memtable_bytes_.Set(static_cast<double>(stats.memtable_bytes));
  return registry_->Collect();
}

}  // namespace vigie::server
