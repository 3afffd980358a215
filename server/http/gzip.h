// Decompressing gzip request bodies (Content-Encoding: gzip), with bounds checked while
// inflating, so that a small body cannot expand without limit (a "gzip bomb").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::server::http {

struct InflateLimits {
  size_t max_bytes = SIZE_MAX;  // The largest output.
  // The output may be at most this many times the size of the input, or kRatioFloorBytes,
  // whichever is larger; 0: no ratio bound.
  uint32_t max_ratio = 0;
  static constexpr size_t kRatioFloorBytes = 1 << 20;
  // Called before the output buffer grows by n bytes; when it returns false, inflating stops
  // with ResourceExhausted (the server's in-flight budget is full). Empty: always true.
  std::function<bool(size_t n)> reserve;
};

// Decompresses one gzip member (RFC 1952) and checks its CRC-32 and length. InvalidArgument
// when the data is not gzip or is corrupt; OutOfRange when it would decompress to more than the
// limits allow (found while inflating: the length the trailer declares is only a hint, but one
// above the limit is refused before inflating); ResourceExhausted when `reserve` refused. Never
// crashes on any input.
absl::StatusOr<std::string> Gunzip(std::string_view data, const InflateLimits& limits);

// Gunzip with only a size bound.
inline absl::StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  return Gunzip(data, InflateLimits{.max_bytes = max_bytes});
}

}  // namespace vigie::server::http
