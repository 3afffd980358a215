#include "server/otlp/receiver.h"

#include <algorithm>

#include "common/time.h"

namespace vigie::server::otlp {

namespace {

void Identify(const ExportSource& source, ReceivedBatch* batch) {
  batch->protocol = source.protocol;
  batch->sender = source.sender;
  batch->sender_name = source.sender_name;
}

}  // namespace

Receiver::Receiver(Ingester* ingester, MetadataRegistry* metadata, int64_t delta_idle_ns,
                   std::function<int64_t()> now)
    : ingester_(ingester),
      metadata_(metadata),
      deltas_(delta_idle_ns),
      now_(now ? std::move(now) : [] { return NowNanos(); }) {}

absl::StatusOr<ExportOutcome> Receiver::ExportMetrics(const ExportMetricsRequest& request,
                                                      const ExportSource& source) {
  MappedMetrics mapped = MapMetrics(request, &deltas_);
  Identify(source, &mapped.batch);
  absl::StatusOr<IngestOutcome> outcome = ingester_->Ingest(std::move(mapped.batch));
  if (!outcome.ok()) return outcome.status();  // The delta update is dropped with its lock.
  if (mapped.deltas) mapped.deltas->Commit(now_());
  if (metadata_) {
    for (auto& [name, metadata] : mapped.metadata) metadata_->Set(name, std::move(metadata));
  }
  return ExportOutcome{
      static_cast<int64_t>(std::min<uint64_t>(outcome->rejected, mapped.data_points)),
      outcome->reason};
}

absl::StatusOr<ExportOutcome> Receiver::ExportLogs(const ExportLogsRequest& request,
                                                   const ExportSource& source) {
  ReceivedBatch batch = MapLogs(request, now_());
  Identify(source, &batch);
  absl::StatusOr<IngestOutcome> outcome = ingester_->Ingest(std::move(batch));
  if (!outcome.ok()) return outcome.status();
  return ExportOutcome{static_cast<int64_t>(outcome->rejected), outcome->reason};
}

}  // namespace vigie::server::otlp
