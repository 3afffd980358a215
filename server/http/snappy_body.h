// Decompressing snappy (block format) request bodies, as Loki's protobuf push and Prometheus's
// remote_write send them, within the same bounds as gzip bodies (server/http/gzip.h).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/http/gzip.h"

namespace vigie::server::http {

// Decompresses `data`. InvalidArgument when it is not valid snappy; OutOfRange, before
// allocating, when the size its header declares is above `limits` (max_bytes, and max_ratio
// times the input size); ResourceExhausted when `limits.reserve` refuses that size. Never
// crashes on any input.
absl::StatusOr<std::string> Unsnappy(std::string_view data, const InflateLimits& limits);

}  // namespace vigie::server::http
