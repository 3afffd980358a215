// OTLP's Export for metrics and logs, behind both transports (grpc_services.h, http_endpoints.h):
// maps a decoded request (metrics_map.h, logs_map.h) into the Ingester, the one ingest path of
// vigied, and answers once what was accepted is durable, with OTLP's partial success for what
// was refused.
//
// Thread safety: all methods may be called concurrently (delta requests are stored one at a
// time: see DeltaTotals).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "server/ingester.h"
#include "server/otlp/delta_totals.h"
#include "server/otlp/logs_map.h"
#include "server/otlp/metrics_map.h"

namespace vigie::server::otlp {

// Who sends (the Ingester's stream and series budgets) and over what.
struct ExportSource {
  std::string protocol;  // "otlp_grpc", "otlp_http" (vigied's /metrics counts by it).
  std::string sender;    // ReceivedBatch::sender, sender_name.
  std::string sender_name;
};

// OTLP's partial success: what was refused and why ("" and 0 when everything was stored).
struct ExportOutcome {
  int64_t rejected = 0;  // Data points or log records.
  std::string error_message;
};

class Receiver {
 public:
  // `ingester` and `metadata` (null: metadata not kept) are not owned and must outlive the
  // receiver. Delta totals expire after `delta_idle_ns` without a point; `now` gives the wall
  // clock in Unix nanoseconds.
  Receiver(Ingester* ingester, MetadataRegistry* metadata, int64_t delta_idle_ns,
           std::function<int64_t()> now = nullptr);

  // An error when nothing was stored (InvalidArgument: the request as a whole is refused;
  // Unavailable/Internal: storing failed, the client should retry). Otherwise the outcome, once
  // the accepted points are durable. A data point counts as rejected when any of the samples it
  // maps to is refused (at most the request's number of points).
  absl::StatusOr<ExportOutcome> ExportMetrics(const ExportMetricsRequest& request,
                                              const ExportSource& source);
  // The same for log records (each one log entry).
  absl::StatusOr<ExportOutcome> ExportLogs(const ExportLogsRequest& request,
                                           const ExportSource& source);

  const DeltaTotals& delta_totals() const { return deltas_; }

 private:
  Ingester* ingester_;
  MetadataRegistry* metadata_;
  DeltaTotals deltas_;
  std::function<int64_t()> now_;
};

}  // namespace vigie::server::otlp
