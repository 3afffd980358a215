// Groups lines into multi-line entries (stack traces, pretty-printed dumps): a line matching
// the start pattern begins a new entry, any other line is appended to the pending one (joined
// with '\n'). The pending entry is handed on when the next one starts, or when no line has
// been added for `timeout` (the writer may be done). Lines before the first match form an entry
// of their own. An entry is capped at `max_bytes` like a line (see common/line_splitter.h).
//
// Thread safety: none; owned by the file input's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace vigie::collector {

class Multiline {
 public:
  // `first_ns` is when the entry's first line was read.
  using Emit = std::function<void(std::string_view entry, uint64_t end_offset, bool truncated,
                                  int64_t first_ns)>;

  // `start` must outlive this object.
  Multiline(const RE2* start, std::chrono::nanoseconds timeout, size_t max_bytes)
      : start_(start), timeout_ns_(timeout.count()), max_bytes_(max_bytes) {}

  // Adds one line, read at `now_ns`, that ends at file offset `end_offset`.
  void Add(std::string_view line, uint64_t end_offset, bool truncated, int64_t now_ns,
           const Emit& emit);
  // Hands on the pending entry if no line was added for the timeout.
  void Expire(int64_t now_ns, const Emit& emit);
  // Hands on the pending entry now.
  void Flush(const Emit& emit);

  bool pending() const { return pending_; }

 private:
  const RE2* start_;
  const int64_t timeout_ns_;
  const size_t max_bytes_;
  void Append(std::string_view bytes);

  bool pending_ = false;
  std::string text_;    // The entry's first bytes, up to the cap.
  uint64_t total_ = 0;  // The entry's whole length.
  uint64_t end_offset_ = 0;
  bool truncated_ = false;  // A line in it was already cut by the line splitter.
  int64_t first_ns_ = 0, last_ns_ = 0;
};

}  // namespace vigie::collector
