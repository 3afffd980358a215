// OTLP messages in and out of their two encodings: binary protobuf (gRPC and
// application/x-protobuf) and OTLP/JSON (application/json: protobuf's JSON mapping with
// lowerCamelCase names, 64-bit integers as strings or numbers, enums as numbers or names, and
// trace and span ids as hex instead of base64).
//
// Decoders never crash and do work bounded by their input (fuzzed in tests/fuzz/otlp_*_fuzz.cc);
// unknown fields are skipped, as OTLP asks of receivers. A body that is not the message is
// refused with InvalidArgument saying what was expected.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "server/otlp/logs_map.h"
#include "server/otlp/metrics_map.h"

namespace vigie::server::otlp {

enum class Encoding { kProtobuf, kJson };

absl::StatusOr<ExportMetricsRequest> DecodeMetricsRequest(std::string_view body, Encoding encoding);
absl::StatusOr<ExportLogsRequest> DecodeLogsRequest(std::string_view body, Encoding encoding);

// A response message (or a google.rpc.Status) in `encoding`.
std::string EncodeMessage(const google::protobuf::Message& message, Encoding encoding);

// google.rpc.Status{code, message} in `encoding`: the body of an OTLP/HTTP error.
std::string EncodeStatus(const absl::Status& status, Encoding encoding);

}  // namespace vigie::server::otlp
