// OTLP metrics as Prometheus series (docs/otlp.md, "Metrics"): the mapping of an
// ExportMetricsServiceRequest into the Ingester's batch, by the OpenTelemetry-to-Prometheus
// compatibility specification.
//
//  - gauge: a gauge; sum: monotonic a counter (`_total`), non-monotonic a gauge;
//  - histogram (explicit buckets): `_bucket{le}` (cumulative counts, `+Inf` = count), `_sum`
//    (when the point has one), `_count`; summary: `{quantile}`, `_sum`, `_count`;
//  - delta temporality (sums and histograms): each output series accumulated into a running
//    total (DeltaTotals), stored as the cumulative series;
//  - resource `service.name` (with `service.namespace`: "namespace/name") as `job`,
//    `service.instance.id` as `instance`, the other resource attributes on one `target_info`
//    series per resource; the scope as `otel_scope_name`, `otel_scope_version`; point
//    attributes as labels (prom_names.h);
//  - a point flagged "no recorded value" as Prometheus's staleness marker;
//  - each metric's type, description and unit as its metadata (GET /api/v1/metadata).
// Refused, each counted as one rejected point and named (the rest is stored): exponential
// histograms, points without a time or a value, sums and histograms without a temporality,
// histograms whose bucket counts do not match their bounds, negative delta counter points.
//
// Thread safety: MapMetrics is reentrant; see DeltaTotals for its lock.
#pragma once

#include <cstdint>
#include <optional>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "server/ingester.h"
#include "server/metric_metadata.h"
#include "server/otlp/delta_totals.h"

namespace vigie::server::otlp {

using ExportMetricsRequest =
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;

struct MappedMetrics {
  ReceivedBatch batch;       // protocol "otlp"; the refused points in batch.refused.
  uint64_t data_points = 0;  // In the request, refused ones included.
  // Set when the request has delta points: the totals to commit once the batch is stored.
  std::optional<DeltaTotals::Update> deltas;
  // By metric family name (a histogram's without _bucket): type, the description as help, the
  // OTLP unit.
  std::vector<std::pair<std::string, MetricMetadata>> metadata;
};

MappedMetrics MapMetrics(const ExportMetricsRequest& request, DeltaTotals* totals);

}  // namespace vigie::server::otlp
