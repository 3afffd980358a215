// Conversions between the vigie.v1 wire messages and the server's own types: the pure part of
// the gRPC services, kept apart from the transport.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "google/protobuf/repeated_field.h"
#include "query/logql/result.h"
#include "server/ingester.h"
#include "vigie/v1/ingest.pb.h"
#include "vigie/v1/query.pb.h"

namespace vigie::server {

// Moves the streams and series of `request` into a batch for the Ingester ("grpc" protocol). Its stream
// budget is its agent's, or when it has no agent_id that of `peer` (gRPC's peer string,
// "ipv4:10.0.0.1:53412": the port is left out).
ReceivedBatch BatchFromProto(v1::PushRequest&& request, std::string_view peer);

void LabelsToProto(const LabelSet& labels, google::protobuf::RepeatedPtrField<v1::Label>* out);
void SeriesToProto(const logql::Series& series, v1::MetricSeries* out);
void StatsToProto(const logql::QueryStats& stats, int64_t duration_ns, v1::QueryStats* out);

// Same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace vigie::server
