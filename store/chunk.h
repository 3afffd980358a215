// Gorilla-style chunks of metric samples (docs/storage-format.md, "Series chunk"): timestamps as
// delta-of-delta, values as the difference of their decimal mantissas (12.34 is 1234 at scale 2)
// or, when that is not shorter or not possible, the XOR with the previous value, all in a bit
// stream. Chunks of the legacy encoding (XOR only) decode too. A chunk holds
// at most kMaxChunkSamples samples; any int64 timestamps (in any order) and any double (NaN
// payloads and the staleness marker included) round-trip bit-exact.
//
// Thread safety: ChunkAppender is a value type, not synchronised. DecodeChunk is pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "store/series.h"

namespace vigie::store {

inline constexpr size_t kMaxChunkSamples = 65535;  // The format's limit (a u16 count).

// A value as a decimal: mantissa / 10^scale (chunk.cc). `valid` false when the last value is not
// one (NaN, a fraction that no short decimal rounds to, beyond 2^53).
struct ChunkDecimalState {
  int64_t mantissa = 0;
  uint8_t scale = 0;
  bool valid = false;
};

// Appends samples to one chunk, keeping the encoder state beside the bytes. About 1.5 bytes per
// sample for regular scrapes of values changing by a few hundred units of their last decimal;
// 19 bytes for the first.
class ChunkAppender {
 public:
  void Append(int64_t ts_ms, double value);
  // The encoded chunk, complete after every Append.
  const std::string& bytes() const { return bytes_; }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  int64_t first_ts() const { return first_ts_; }
  int64_t last_ts() const { return last_ts_; }
  uint64_t last_value_bits() const { return last_bits_; }
  // Memory held, for StoreStats::head_bytes.
  size_t capacity() const { return bytes_.capacity(); }
  // Forgets every sample (and frees the bytes).
  void Reset() { *this = ChunkAppender(); }

 private:
  void WriteBits(uint64_t value, int n);
  void Grow();

  std::string bytes_;
  uint16_t count_ = 0;
  uint8_t free_bits_ = 0;   // Unused low bits of the last byte.
  uint8_t leading_ = 0xff;  // The previous XOR's window; 0xff before the first one.
  uint8_t trailing_ = 0;
  int64_t first_ts_ = 0;
  int64_t last_ts_ = 0;
  int64_t last_delta_ = 0;
  uint64_t last_bits_ = 0;
  ChunkDecimalState decimal_;
};

// Appends the samples of `chunk` with mint_ms <= ts <= maxt_ms to *out, in chunk order. Any bytes
// are safe: a malformed chunk gives DataLoss (and *out may have received a prefix).
absl::Status DecodeChunk(std::string_view chunk, int64_t mint_ms, int64_t maxt_ms,
                         std::vector<Sample>* out);

}  // namespace vigie::store
