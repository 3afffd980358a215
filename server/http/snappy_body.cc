#include "server/http/snappy_body.h"

#include <snappy.h>

#include <algorithm>
#include <limits>

#include "common/strings.h"

namespace vigie::server::http {

absl::StatusOr<std::string> Unsnappy(std::string_view data, const InflateLimits& limits) {
  size_t size = 0;
  if (!snappy::GetUncompressedLength(data.data(), data.size(), &size)) {
    return absl::InvalidArgumentError("the body is not snappy-compressed (block format)");
  }
  size_t max_bytes = std::min<size_t>(limits.max_bytes, std::numeric_limits<int>::max());
  if (limits.max_ratio > 0 && data.size() <= SIZE_MAX / limits.max_ratio) {
    max_bytes = std::min(max_bytes,
                         std::max(InflateLimits::kRatioFloorBytes, data.size() * limits.max_ratio));
  }
  if (size > max_bytes) {
    return absl::OutOfRangeError(
        StrCat("the snappy body of ", data.size(), " bytes decompresses to ", size,
               " bytes, above the limit of ", max_bytes,
               " (the body limit, and --max-decompression-ratio times the compressed size): send "
               "smaller batches"));
  }
  if (limits.reserve && !limits.reserve(size)) {
    return absl::ResourceExhaustedError("the server's in-flight request budget is full");
  }
  std::string raw;
  if (!snappy::Uncompress(data.data(), data.size(), &raw)) {
    return absl::InvalidArgumentError("the body is not valid snappy-compressed data");
  }
  return raw;
}

}  // namespace vigie::server::http
