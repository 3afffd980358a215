// What the OTLP fuzz targets (otlp_proto_fuzz.cc, otlp_json_fuzz.cc) check once a body decodes:
// the mapping never crashes, accounts for every data point and log record, and produces only
// label names the store accepts (metric names valid, attribute keys sanitized).
#pragma once

#include <string_view>
#include <vector>

#include "server/otlp/codec.h"
#include "server/otlp/delta_totals.h"
#include "tests/fuzz/push_check.h"

namespace vigie::fuzz {

inline bool AcceptableLabelName(std::string_view name) {
  return name == "__name__" || (IsValidLabelName(name) && !IsReservedLabelName(name));
}

inline void CheckOtlpBody(std::string_view body, server::otlp::Encoding encoding) {
  using namespace server::otlp;
  if (auto metrics = DecodeMetricsRequest(body, encoding); metrics.ok()) {
    DeltaTotals totals(1'000'000'000);
    MappedMetrics mapped = MapMetrics(*metrics, &totals);
    FUZZ_CHECK(mapped.batch.refused.count <= mapped.data_points);
    std::vector<LabelView> labels;
    for (size_t i = 0; i < mapped.batch.series.size(); ++i) {
      mapped.batch.series.Labels(i, &labels);
      bool named = false;
      for (const LabelView& l : labels) {
        FUZZ_CHECK(AcceptableLabelName(l.name));
        if (l.name == "__name__") named = IsValidMetricName(l.value);
      }
      FUZZ_CHECK(named);
    }
  }
  if (auto logs = DecodeLogsRequest(body, encoding); logs.ok()) {
    server::ReceivedBatch batch = MapLogs(*logs, 1);
    size_t records = 0, entries = 0;
    for (const auto& resource : logs->resource_logs()) {
      for (const auto& scope : resource.scope_logs()) records += scope.log_records_size();
    }
    for (const server::ReceivedStream& stream : batch.streams) {
      FUZZ_CHECK(stream.labels.ok());
      for (const Label& l : *stream.labels) FUZZ_CHECK(AcceptableLabelName(l.name));
      entries += stream.entries.size();
    }
    FUZZ_CHECK(entries == records);
  }
}

}  // namespace vigie::fuzz
