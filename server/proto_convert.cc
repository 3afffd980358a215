#include "server/proto_convert.h"

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::server {

namespace {

std::vector<Label> LabelsFromProto(google::protobuf::RepeatedPtrField<v1::Label>* labels) {
  std::vector<Label> out;
  out.reserve(labels->size());
  for (v1::Label& l : *labels) {
    out.push_back({std::move(*l.mutable_name()), std::move(*l.mutable_value())});
  }
  return out;
}

}  // namespace

ReceivedBatch BatchFromProto(v1::PushRequest&& request, std::string_view peer) {
  ReceivedBatch batch;
  batch.protocol = "grpc";
  batch.agent_id = std::move(*request.mutable_agent_id());
  if (batch.agent_id.empty()) {
    batch.sender = StrCat("peer ", peer.substr(0, peer.rfind(':')));
  } else {
    batch.sender = StrCat("agent ", batch.agent_id);
    batch.sender_name = StrCat("agent \"", EscapeForMessage(batch.agent_id), "\"");
  }
  batch.seq = request.seq();
  batch.first_seq = request.first_seq();
  batch.streams.reserve(request.streams_size());
  for (v1::Stream& stream : *request.mutable_streams()) {
    ReceivedStream received;
    received.labels = LabelsFromProto(stream.mutable_labels());
    received.entries.reserve(stream.entries_size());
    for (v1::Entry& e : *stream.mutable_entries()) {
      received.entries.push_back({e.ts_ns(), std::move(*e.mutable_line())});
    }
    batch.streams.push_back(std::move(received));
  }
  for (const v1::Series& series : request.series()) {
    batch.series.StartSeries();
    for (const v1::Label& l : series.labels()) batch.series.AddLabel(l.name(), l.value());
    for (const v1::Sample& s : series.samples()) batch.series.AddSample({s.ts_ms(), s.value()});
  }
  return batch;
}

void LabelsToProto(const LabelSet& labels, google::protobuf::RepeatedPtrField<v1::Label>* out) {
  for (const Label& l : labels.labels()) {
    v1::Label* p = out->Add();
    p->set_name(l.name);
    p->set_value(l.value);
  }
}

void SeriesToProto(const logql::Series& series, v1::MetricSeries* out) {
  LabelsToProto(series.labels, out->mutable_labels());
  for (const logql::Point& p : series.points) {
    v1::Sample* s = out->add_points();
    s->set_ts_ms(p.ts_ns / 1'000'000);
    s->set_value(p.value);
  }
}

void StatsToProto(const logql::QueryStats& stats, int64_t duration_ns, v1::QueryStats* out) {
  out->set_streams(stats.streams);
  out->set_blocks(stats.blocks);
  out->set_blocks_skipped(stats.blocks_skipped);
  out->set_entries_scanned(stats.entries_scanned);
  out->set_bytes_scanned(stats.bytes_scanned);
  out->set_duration_ns(duration_ns);
  out->set_scan_cpu_ns(stats.cost.cpu_ns);
  for (const logql::PhaseCost& phase : stats.cost.phases) {
    v1::PhaseCost* p = out->add_phases();
    p->set_name(phase.name);
    p->set_cpu_ns(phase.cpu_ns);
    p->set_lines_in(phase.lines_in);
    p->set_lines_out(phase.lines_out);
    p->set_bytes_in(phase.bytes_in);
    p->set_bytes_out(phase.bytes_out);
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace vigie::server
