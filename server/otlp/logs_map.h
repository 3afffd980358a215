// OTLP log records as log entries (docs/otlp.md, "Logs"): the mapping of an
// ExportLogsServiceRequest into the Ingester's batch.
//
//  - the stream: the resource's attributes that Loki's OTLP ingestion indexes by default
//    (service.name, service.namespace, service.instance.id, deployment.environment, k8s.*,
//    cloud.region, ...) as labels (dots as '_': service_name), `service_name="unknown_service"`
//    when the resource has no service.name, and `severity`: severity_text lowercased, else the
//    name of severity_number's range (trace, debug, info, warn, error, fatal), else "unknown";
//  - the line: the body (a string as it is, another value as JSON), then the record's
//    attributes, trace_id and span_id (hex) appended as logfmt pairs (` key=value`);
//  - the time: time_unix_nano, else observed_time_unix_nano, else `now_ns`.
// vigie's store has no structured metadata, hence logfmt: `| logfmt` gives the attributes back
// as labels in a query.
//
// Thread safety: reentrant.
#pragma once

#include <cstdint>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "server/ingester.h"

namespace vigie::server::otlp {

using ExportLogsRequest = opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

ReceivedBatch MapLogs(const ExportLogsRequest& request, int64_t now_ns);

}  // namespace vigie::server::otlp
