// The file input: finds the files matching each source's globs (rescanned every second),
// follows them, and hands their lines (or multi-line entries) to the entry sink with a cursor.
//
// - Identity: device + inode, confirmed by a fingerprint of the first bytes (cursor.h).
// - Rotation by rename: the renamed file is still followed through its open descriptor and
//   read to its end; the new file at the path is a new file, read from its start. A file no
//   longer matched (renamed away, deleted) is released once it has been read to its end and
//   has not grown for `rotate_wait`.
// - Copytruncate: a file that shrinks, or whose first bytes change, is read again from 0.
// - Start positions: a known file resumes at its cursor; a file that appears while the
//   collector runs is read from its start; a file found by the very first scan of a new state
//   directory starts at its end (after its last complete line) unless the source says
//   `read_from: beginning`.
// - After a restart, a known file that was rotated meanwhile to a name the globs do not match
//   is looked for in its directory by inode, and read to its end.
// - A file matched by several sources is read once, by the first.
//
// Thread safety: Start and Stop from the owner; the input runs one thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/entry_sink.h"
#include "collector/inputs/tailed_file.h"
#include "collector/metrics.h"
#include "common/labels.h"

namespace vigie::collector {

struct FileSource {
  std::string name;  // For metrics.
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
  std::vector<Label> labels;         // Every label but `file`, added per file unless set here.
  bool read_from_beginning = false;  // For files found by the first scan of a new state dir.
  size_t max_line_bytes = 256 * 1024;
  std::string multiline_start;  // re2; empty: one entry per line.
  std::chrono::nanoseconds multiline_timeout = std::chrono::seconds(2);
  std::chrono::nanoseconds rotate_wait = std::chrono::seconds(5);
};

class FileInput {
 public:
  struct Options {
    std::vector<FileSource> sources;
    std::chrono::nanoseconds scan_interval = std::chrono::seconds(1);
    std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(100);
  };

  // `positions`: where each known file resumes (the checkpoints, advanced by the cursors of
  // the batches still in the spool). `first_start`: the state directory is new. `sink` and
  // `metrics` must outlive the input; the sink may block (back-pressure, a full spool).
  static absl::StatusOr<std::unique_ptr<FileInput>> Create(Options options,
                                                           std::map<FileKey, FileCursor> positions,
                                                           bool first_start, EntrySink* sink,
                                                           Metrics* metrics);
  ~FileInput();

  void Start();
  void Stop();
  // One scan and one read of every file, for tests that drive the input without its thread.
  void RunOnce();

 private:
  struct Source {
    FileSource config;
    std::unique_ptr<RE2> multiline_start;
    Metrics::Input counters;
    TailedFile::Settings settings;
  };
  struct Tracked {
    std::unique_ptr<TailedFile> file;
    Source* source;
    int64_t last_matched_ns;  // When a scan last found it under a matching path.
  };

  FileInput(Options options, std::map<FileKey, FileCursor> positions, bool first_start,
            EntrySink* sink, Metrics* metrics);
  void Run();
  // Returns the bytes read.
  size_t Step(int64_t now_ns);
  void Scan(int64_t now_ns);
  // Starts following `path`; `matched`: found by a scan (else recovered after a rotation).
  void Open(Source* source, const std::string& path, int64_t now_ns, bool matched);
  // After the first scan: follows known files rotated away while the collector was down, and
  // forgets the checkpoints of files that are gone.
  void RecoverUnmatched(int64_t now_ns);
  void ReleaseFinished(int64_t now_ns);
  // The FileStream of a `file` label, shared by the files that have it.
  FileStream* AcquireStream(const Source& source, const std::string& path);
  void ReleaseStream(const Source& source, const std::string& path);

  const Options options_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::map<FileKey, FileCursor> positions_;
  const bool first_start_;
  EntrySink* const sink_;
  Metrics* const metrics_;
  std::map<FileKey, Tracked> files_;
  std::set<std::string> warned_;  // Paths already reported unreadable.
  std::map<std::pair<std::string, std::string>, FileStream> streams_;  // By (input, file label).
  bool scanned_ = false;
  int64_t last_scan_ns_ = 0;
  std::string scratch_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigie::collector
