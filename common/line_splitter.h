// Splits a file's or a stream's bytes into lines at '\n' (the '\n' is not part of the line; a '\r'
// before it is kept: lines are stored byte for byte). A line longer than `max_line_bytes` is cut:
// its first bytes are kept, followed by a marker " [truncated N bytes]", so that the whole entry
// stays within the cap; the rest of the line is skipped without being buffered.
//
// Thread safety: none; owned by the thread that reads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vigie {

// Room kept at the end of a capped entry for the truncation marker.
constexpr size_t kTruncationReserve = 32;

// `kept` followed by the truncation marker for `dropped` bytes.
std::string TruncatedEntry(std::string_view kept, uint64_t dropped);

class LineSplitter {
 public:
  // `line` is valid during the call; `end_offset` is the file offset after its '\n'.
  using Emit = std::function<void(std::string_view line, uint64_t end_offset, bool truncated)>;

  LineSplitter(size_t max_line_bytes, uint64_t offset)
      : max_line_bytes_(max_line_bytes), offset_(offset) {}

  // Feeds the bytes that follow everything fed so far.
  void Feed(std::string_view data, const Emit& emit);
  // Emits the partial last line, if any, as a line of its own (the file will not grow).
  void Flush(const Emit& emit);
  // Forgets everything and continues at `offset`.
  void Reset(uint64_t offset);

  // File offset after the bytes fed so far.
  uint64_t offset() const { return offset_; }

 private:
  void EmitLine(std::string_view tail, const Emit& emit);

  const size_t max_line_bytes_;
  uint64_t offset_;
  std::string partial_;   // Start of a line whose '\n' has not been read, up to the cap.
  uint64_t skipped_ = 0;  // Bytes of that line beyond the cap, not kept.
};

}  // namespace vigie
