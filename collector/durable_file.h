// Whole-file helpers for the collector's state directory (agent id, sequence lease,
// checkpoints). Each write is crash-atomic: a reader sees the old contents or the new ones.
//
// Thread safety: free functions with no shared state; concurrent writers of one path must be
// serialised by the caller.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigie::collector {

// An IoError naming the operation and the errno text.
absl::Status ErrnoStatus(std::string_view what, int err);

// Replaces `path` with `contents`: writes `path`.tmp, fsyncs it, renames it over `path` and
// fsyncs the directory, so that a crash (or power loss) at any instant leaves either the old or
// the new file.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// The whole contents of `path`; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Creates `dir` and its missing parents.
absl::Status EnsureDirectory(const std::string& dir);

// fsyncs a directory so that entries created or removed in it survive a power loss.
absl::Status SyncDirectory(const std::string& dir);

// pwrite / pread of all `size` bytes at `offset`, retrying short transfers and EINTR. False on
// an error (errno set) or, for reads, the end of the file.
bool WriteAllAt(int fd, std::string_view bytes, uint64_t offset);
bool ReadAllAt(int fd, char* out, size_t size, uint64_t offset);

}  // namespace vigie::collector
