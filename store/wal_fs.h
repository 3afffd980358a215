// The file operations of the series log (store/series_wal.h), behind an interface so that tests
// can inject faults (short writes, failed fsyncs) where the real files cannot fail on demand.
//
// Thread safety: a WalFs is shared and thread-safe; a WalFile is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigie::store {

// A file opened for appending.
class WalFile {
 public:
  virtual ~WalFile() = default;
  // Writes all of `data` at the end, or fails (then an unknown prefix of it may be written).
  virtual absl::Status Append(std::string_view data) = 0;
  // Makes everything appended durable (fdatasync).
  virtual absl::Status Sync() = 0;
};

class WalFs {
 public:
  virtual ~WalFs() = default;
  // Creates `dir` unless it exists.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  // The names (not paths) of the files in `dir`.
  virtual absl::StatusOr<std::vector<std::string>> List(const std::string& dir) = 0;
  // Opens `path` for appending, creating it empty when missing.
  virtual absl::StatusOr<std::unique_ptr<WalFile>> OpenAppend(const std::string& path) = 0;
  virtual absl::Status ReadAll(const std::string& path, std::string* out) = 0;
  virtual absl::Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  virtual absl::Status Remove(const std::string& path) = 0;
  // Makes the directory's entries (files created, renamed, removed) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
};

// The real files (POSIX). Never destroyed.
WalFs* PosixWalFs();

}  // namespace vigie::store
