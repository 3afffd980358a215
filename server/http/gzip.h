// Decompressing gzip request bodies (Content-Encoding: gzip), with a bound on the output so that
// a small body cannot expand without limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::server::http {

// Decompresses one gzip member (RFC 1952) and checks its CRC-32 and length. InvalidArgument
// when the data is not gzip or is corrupt, or when it would decompress to more than
// `max_bytes`. Never crashes on any input.
absl::StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes);

}  // namespace vigie::server::http
