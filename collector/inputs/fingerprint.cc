#include "collector/inputs/fingerprint.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "collector/durable_file.h"
#include "xxhash.h"

namespace vigie::collector {

namespace {

absl::StatusOr<std::string> ReadPrefix(int fd, uint64_t size) {
  std::string prefix(std::min<uint64_t>(size, Fingerprint::kMaxBytes), '\0');
  size_t got = 0;
  while (got < prefix.size()) {
    ssize_t n = pread(fd, prefix.data() + got, prefix.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read file prefix", errno);
    if (n == 0) break;  // Shrunk meanwhile.
    got += static_cast<size_t>(n);
  }
  prefix.resize(got);
  return prefix;
}

Fingerprint Of(std::string_view bytes) {
  return Fingerprint{static_cast<uint32_t>(bytes.size()), XXH3_64bits(bytes.data(), bytes.size())};
}

}  // namespace

absl::StatusOr<Fingerprint> ComputeFingerprint(int fd, uint64_t size) {
  absl::StatusOr<std::string> prefix = ReadPrefix(fd, size);
  if (!prefix.ok()) return prefix.status();
  return Of(*prefix);
}

absl::StatusOr<std::optional<Fingerprint>> RecheckFingerprint(int fd, uint64_t size,
                                                              const Fingerprint& known) {
  absl::StatusOr<std::string> prefix = ReadPrefix(fd, size);
  if (!prefix.ok()) return prefix.status();
  if (prefix->size() < known.len || Of(std::string_view(*prefix).substr(0, known.len)) != known) {
    return std::nullopt;
  }
  return Of(*prefix);
}

}  // namespace vigie::collector
