// One file being followed. Its descriptor stays open across renames and deletion, so a file
// rotated away (or deleted) is still read to its end; its cursor records how far the entries
// handed on reach.
//
// Thread safety: none; owned by the file input's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <prometheus/gauge.h>
#include <re2/re2.h>

#include "absl/status/statusor.h"
#include "collector/cursor.h"
#include "collector/entry_sink.h"
#include "collector/inputs/multiline.h"
#include "collector/metrics.h"
#include "common/line_splitter.h"

namespace vigie::collector {

// What the files sharing a `file` label share (a rotated file and its successor): the stream,
// the clock that keeps their entries' timestamps strictly increasing, so that the stream reads
// in the order the lines were read, and the lag gauge. Owned by the file input.
struct FileStream {
  StreamRef stream;
  prometheus::Gauge* lag = nullptr;
  int64_t last_ts = 0;
  int users = 0;
};

class TailedFile {
 public:
  // Shared by the files of one input; owned by the file input.
  struct Settings {
    size_t max_line_bytes = 256 * 1024;
    const RE2* multiline_start = nullptr;  // Null: one entry per line.
    std::chrono::nanoseconds multiline_timeout = std::chrono::seconds(2);
    Metrics::Input* counters = nullptr;
  };

  // Takes ownership of `fd`; reading starts at `cursor.offset`. `stream` and `settings` must
  // outlive the object.
  TailedFile(int fd, FileCursor cursor, FileStream* stream, const Settings* settings);
  ~TailedFile();
  TailedFile(const TailedFile&) = delete;
  TailedFile& operator=(const TailedFile&) = delete;

  // Reads up to `budget` new bytes and hands the complete entries to `sink`; returns the
  // number of bytes read. A file that shrank, or whose first bytes changed (truncated and
  // rewritten: copytruncate), is read again from its start; as the file grows, its fingerprint
  // grows with it (up to Fingerprint::kMaxBytes).
  absl::StatusOr<size_t> Poll(size_t budget, int64_t now_ns, std::string* scratch, EntrySink* sink);
  // Hands on a pending multi-line entry whose timeout has expired.
  void Expire(int64_t now_ns, EntrySink* sink);
  // The file will not be read again: hands on its partial last line and pending entry, then a
  // cursor marked `forget`. Returns its final cursor.
  FileCursor Release(EntrySink* sink);

  bool at_eof() const { return at_eof_; }
  int64_t last_read_ns() const { return last_read_ns_; }
  const FileCursor& cursor() const { return cursor_; }

 private:
  void OnLine(std::string_view line, uint64_t end_offset, bool truncated, int64_t now_ns,
              EntrySink* sink);
  void EmitEntry(std::string_view text, uint64_t end_offset, bool truncated, int64_t read_ns,
                 EntrySink* sink);
  // Hands on what is pending and starts again from offset 0.
  absl::Status Restart(std::string_view why, uint64_t size, EntrySink* sink);
  void FlushPending(int64_t now_ns, EntrySink* sink);

  const int fd_;
  FileCursor cursor_;
  FileStream* const stream_;
  const Settings* settings_;
  LineSplitter splitter_;
  std::optional<Multiline> multiline_;
  bool at_eof_ = false;
  int64_t last_read_ns_ = 0;
};

}  // namespace vigie::collector
