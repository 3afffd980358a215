// Fingerprints of a file's first bytes (see cursor.h): they tell a file from another that got
// the same inode number, and a file rewritten in place (copytruncate then regrown) from the one
// that was read.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "collector/cursor.h"

namespace vigie::collector {

// The fingerprint of the first min(size, Fingerprint::kMaxBytes) bytes of `fd`.
absl::StatusOr<Fingerprint> ComputeFingerprint(int fd, uint64_t size);

// If `fd` (now `size` bytes long) still begins with the bytes `known` was computed from,
// the fingerprint of its current first bytes (longer once the file has grown); otherwise
// nullopt.
absl::StatusOr<std::optional<Fingerprint>> RecheckFingerprint(int fd, uint64_t size,
                                                              const Fingerprint& known);

}  // namespace vigie::collector
