#include "server/otlp/logs_map.h"

#include <array>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"
#include "server/logfmt_pair.h"
#include "server/otlp/attributes.h"
#include "server/otlp/prom_names.h"

namespace vigie::server::otlp {

namespace {

namespace pl = opentelemetry::proto::logs::v1;

// The resource attributes Loki's OTLP ingestion makes stream labels by default; the others are
// not kept on log streams (docs/otlp.md).
constexpr std::array<std::string_view, 18> kStreamAttributes = {
    "service.name",
    "service.namespace",
    "service.instance.id",
    "deployment.environment",
    "deployment.environment.name",
    "cloud.region",
    "cloud.availability_zone",
    "k8s.cluster.name",
    "k8s.namespace.name",
    "k8s.pod.name",
    "k8s.container.name",
    "container.name",
    "k8s.replicaset.name",
    "k8s.deployment.name",
    "k8s.statefulset.name",
    "k8s.daemonset.name",
    "k8s.cronjob.name",
    "k8s.job.name",
};

std::vector<Label> StreamLabels(const Attributes& resource) {
  std::vector<Label> labels;
  for (const auto& kv : resource) {
    if (std::find(kStreamAttributes.begin(), kStreamAttributes.end(), kv.key()) !=
        kStreamAttributes.end()) {
      labels.push_back({PromLabelName(kv.key()), AnyValueText(kv.value())});
    }
  }
  if (StringAttribute(resource, "service.name").empty()) {
    labels.push_back({"service_name", "unknown_service"});
  }
  return labels;
}

std::string Severity(const pl::LogRecord& record) {
  if (!record.severity_text().empty()) return absl::AsciiStrToLower(record.severity_text());
  static constexpr std::array<std::string_view, 6> kRanges = {"trace", "debug", "info",
                                                              "warn",  "error", "fatal"};
  int number = record.severity_number();
  if (number >= 1 && number <= 24) return std::string(kRanges[(number - 1) / 4]);
  return "unknown";
}

std::string Line(const pl::LogRecord& record) {
  std::string line = AnyValueText(record.body());
  for (const auto& kv : record.attributes()) {
    AppendLogfmtPair(&line, kv.key(), AnyValueText(kv.value()));
  }
  if (!record.trace_id().empty()) {
    AppendLogfmtPair(&line, "trace_id", absl::BytesToHexString(record.trace_id()));
  }
  if (!record.span_id().empty()) {
    AppendLogfmtPair(&line, "span_id", absl::BytesToHexString(record.span_id()));
  }
  return line;
}

int64_t TimeNs(const pl::LogRecord& record, int64_t now_ns) {
  uint64_t t = record.time_unix_nano() ? record.time_unix_nano() : record.observed_time_unix_nano();
  if (t == 0) return now_ns;
  return t > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(t);
}

}  // namespace

ReceivedBatch MapLogs(const ExportLogsRequest& request, int64_t now_ns) {
  ReceivedBatch batch;
  batch.protocol = "otlp";
  for (const pl::ResourceLogs& resource : request.resource_logs()) {
    std::vector<Label> resource_labels = StreamLabels(resource.resource().attributes());
    // One stream per severity of the resource, in the order they first appear.
    std::map<std::string, size_t> stream_of_severity;
    for (const pl::ScopeLogs& scope : resource.scope_logs()) {
      for (const pl::LogRecord& record : scope.log_records()) {
        std::string severity = Severity(record);
        auto [it, inserted] = stream_of_severity.try_emplace(severity, batch.streams.size());
        if (inserted) {
          std::vector<Label> labels = resource_labels;
          labels.push_back({"severity", severity});
          batch.streams.push_back({std::move(labels), {}});
        }
        batch.streams[it->second].entries.push_back({TimeNs(record, now_ns), Line(record)});
      }
    }
  }
  return batch;
}

}  // namespace vigie::server::otlp
