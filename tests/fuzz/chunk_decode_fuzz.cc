// Fuzzes the series chunk decoder: any bytes must decode or fail cleanly, and what decodes must
// re-encode to a chunk that decodes to the same samples, bit for bit.
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "store/chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<vigie::store::Sample> samples;
  if (!vigie::store::DecodeChunk(input, kMin, kMax, &samples).ok()) return 0;
  vigie::store::ChunkAppender chunk;
  for (const auto& s : samples) chunk.Append(s.ts_ms, s.value);
  std::vector<vigie::store::Sample> again;
  if (!samples.empty()) {
    if (!vigie::store::DecodeChunk(chunk.bytes(), kMin, kMax, &again).ok()) abort();
  }
  if (again != samples) abort();
  return 0;
}
