// Decoding Prometheus remote_write 1.0 bodies (POST /api/v1/write): snappy (block format) of a
// protobuf prometheus.WriteRequest (proto/prometheus/remote.proto) into the Ingester's batch.
//
// Never crashes and bounds its work by the size of its input and `limits` (fuzzed in
// tests/fuzz/remote_write_fuzz.cc). A body that is not snappy or not a WriteRequest is refused
// with InvalidArgument; one that decompresses beyond the limits with OutOfRange; when the
// in-flight budget cannot hold it, ResourceExhausted. Otherwise every series is kept, in order,
// with its labels as sent (the Ingester validates them: series N in its messages is the Nth
// TimeSeries), its samples and how many native histogram samples it carried.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/http/gzip.h"
#include "server/ingester.h"
#include "server/metric_metadata.h"

namespace vigie::server::http {

struct RemoteWrite {
  // protocol "remote_write", no agent or seq (remote_write has no resend identity), and
  // refuse_whole_if_series_invalid set: the spec's sender drops a batch it gets a 400 for, so
  // vigied stores all of a request or, when a series is invalid, none of it.
  ReceivedBatch batch;
  std::vector<std::pair<std::string, MetricMetadata>> metadata;  // By metric family name.
};

absl::StatusOr<RemoteWrite> DecodeRemoteWrite(std::string_view body, const InflateLimits& limits);

}  // namespace vigie::server::http
