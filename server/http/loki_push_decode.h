// Decoding the bodies of Loki's push API (POST /loki/api/v1/push) into the Ingester's batch.
//
// Both decoders never crash and bound their work by the size of their input (fuzzed in
// tests/fuzz/loki_push_*_fuzz.cc). A body malformed as a whole is refused with InvalidArgument;
// otherwise every stream is kept, in order, so that the Ingester's messages ("stream 2: ...")
// and the decoder's refer to the same indexes:
//  - a stream whose labels are unusable carries its error in ReceivedStream::labels, with its
//    entries, which the Ingester then counts as refused and names;
//  - an entry that cannot be decoded (a timestamp that is not a nanosecond count, a line that
//    is not a string) is left out, counted and named in ReceivedBatch::refused.
// Strings are bytes: a label or a line that is not valid UTF-8 reaches the Ingester as sent
// (which refuses such a label and stores such a line as it is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/ingester.h"

namespace vigie::server::http {

// JSON: {"streams": [{"stream": {"label": "value", ...},
//                     "values": [["<unix ns>", "<line>"], ["<unix ns>", "<line>", {metadata}]]}]}
// The structured metadata object is accepted and ignored. protocol is "loki_json". Read with
// ParseJsonBytes (json_bytes.h): strings may hold any bytes.
absl::StatusOr<ReceivedBatch> DecodeLokiJsonPush(std::string_view body);

// Snappy-compressed (block format) logproto.PushRequest, as Promtail and the Grafana Agent send.
// Refuses a body that is not valid snappy, whose decompressed size is above
// `max_uncompressed_bytes`, or that is not a well-formed message. Stream labels are parsed with
// LabelSet::Parse; lines are taken as bytes (not required to be UTF-8, as in Loki). Unknown
// fields, such as structured metadata, are skipped. protocol is "loki_proto".
absl::StatusOr<ReceivedBatch> DecodeLokiProtoPush(std::string_view body,
                                                  uint64_t max_uncompressed_bytes);

}  // namespace vigie::server::http
