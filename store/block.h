// The log block codec: a run of entries of one stream, sorted by time, compressed with zstd.
// Format (docs/storage-format.md, "Log block"):
//   u8 version (=1) | varint entry count | varint raw line bytes | zstd frame of
//   [count × zigzag varint ts delta][count × varint line length][lines concatenated]
// The zstd frame carries a content checksum, so corruption is detected on decode.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace vigie::store {

struct LogEntry {
  int64_t ts_ns = 0;
  std::string line;
  bool operator==(const LogEntry&) const = default;
};

// Decoded entries, in time order. Lines are views into one buffer, so that a search can scan all
// lines of a block with a single memmem pass (see DecodedBlock::LineAt).
class DecodedBlock {
 public:
  size_t size() const { return ts_.size(); }
  int64_t ts(size_t i) const { return ts_[i]; }
  std::string_view line(size_t i) const {
    return lines().substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // All lines, back to back.
  std::string_view lines() const {
    return std::string_view(raw_.get(), raw_size_).substr(lines_begin_);
  }
  // The size of the decompressed payload: timestamps, lengths and lines.
  size_t payload_size() const { return raw_size_; }
  // Where line i starts in lines(); offset(size()) is lines().size().
  size_t offset(size_t i) const { return offsets_[i]; }
  // The index of the line holding byte `pos` of lines(), searched from line `first`, which must
  // start at or before `pos`: a search that finds bytes in order passes the last line found,
  // and the answer a few lines on costs a few comparisons. Inline: the matchers of vigie_logql
  // call it without linking the store.
  size_t LineAt(size_t pos, size_t first = 0) const {
    // Galloping from `first`: offsets_[lo] <= pos throughout, and the answer is below hi.
    size_t lo = first, hi = first + 1, step = 1;
    while (hi < offsets_.size() && offsets_[hi] <= pos) {
      lo = hi;
      hi += step;
      step *= 2;
    }
    hi = std::min(hi, offsets_.size());
    auto it =
        std::upper_bound(offsets_.begin() + lo, offsets_.begin() + hi, static_cast<uint32_t>(pos));
    return static_cast<size_t>(it - offsets_.begin()) - 1;
  }

 private:
  friend absl::Status DecodeBlock(std::string_view, DecodedBlock*);
  std::vector<int64_t> ts_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries.
  // The decompressed payload; lines start at lines_begin_. Not a std::string: zstd writes every
  // byte, and zero-filling a block first cost a tenth of a parser query's time.
  std::unique_ptr<char[]> raw_;
  size_t raw_size_ = 0;
  size_t raw_capacity_ = 0;  // Of raw_: a reader decoding block after block reuses it.
  size_t lines_begin_ = 0;
};

// zstd's level 1 makes 1 MiB blocks of logs as small as level 3 does (within 2% either way on
// the loghub samples and the benchmark's JSON, logfmt and nginx logs) and compresses them 1.3
// to 1.9 times faster; decompression runs at the same speed.
inline constexpr int kDefaultBlockLevel = 1;

// Encodes `entries`, which must be sorted by ts_ns. `level` is the zstd level.
std::string EncodeBlock(std::span<const LogEntry> entries, int level = kDefaultBlockLevel);

// Decodes into `out` (reusing its buffers). DataLoss on any corruption; never reads out of bounds.
absl::Status DecodeBlock(std::string_view encoded, DecodedBlock* out);

}  // namespace vigie::store
