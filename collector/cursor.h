// How far a file input has got in one file. A cursor travels with the batch holding the file's
// lines; once that batch is acknowledged (or dropped from a full spool) the cursor becomes the
// file's checkpoint.
//
// A file is identified by device and inode, confirmed by a fingerprint of its first bytes: an
// inode number can be reused by a new file once the old one is deleted and closed, and the
// fingerprint tells them apart.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigie::collector {

struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  auto operator<=>(const FileKey&) const = default;
};

// XXH3 of the file's first `len` bytes (len <= kFingerprintBytes; shorter while the file is).
struct Fingerprint {
  static constexpr uint32_t kMaxBytes = 1024;
  uint32_t len = 0;
  uint64_t hash = 0;
  bool operator==(const Fingerprint&) const = default;
};

struct FileCursor {
  FileKey key;
  // Every line ending before this offset has been handed on; reading resumes here.
  uint64_t offset = 0;
  Fingerprint fingerprint;
  // The path the file was first found at: its `file` label, kept when the file is renamed.
  std::string path;
  // The input released the file (deleted or rotated away): its checkpoint can be forgotten.
  bool forget = false;
};

// Appends the binary form of `cursor` to `out`.
void EncodeCursor(const FileCursor& cursor, std::string* out);
// Reads one cursor from the front of `in` and advances it; false on malformed input.
bool DecodeCursor(std::string_view* in, FileCursor* cursor);

}  // namespace vigie::collector
