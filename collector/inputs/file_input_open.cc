// FileInput: where a file starts being read (its checkpoint, its start or its end), and the
// recovery of files rotated away while the collector was stopped. The rest is in
// file_input.cc.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "collector/inputs/file_input.h"
#include "collector/inputs/fingerprint.h"
#include "collector/inputs/glob.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// The offset just after the last '\n' in the file's final 64 KiB (its size if there is none):
// starting "at the end" must not start in the middle of a line.
uint64_t EndOfLastLine(int fd, uint64_t size) {
  uint64_t from = size > 65536 ? size - 65536 : 0;
  std::string tail(size - from, '\0');
  ssize_t n = pread(fd, tail.data(), tail.size(), static_cast<off_t>(from));
  if (n <= 0) return size;
  size_t nl = std::string_view(tail.data(), static_cast<size_t>(n)).rfind('\n');
  return nl == std::string_view::npos ? size : from + nl + 1;
}

}  // namespace

void FileInput::Open(Source* source, const std::string& path, int64_t now_ns, bool matched) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (warned_.insert(path).second) {
      spdlog::warn("cannot read {}: {}; skipped until it is readable", path, std::strerror(errno));
    }
    return;
  }
  struct stat st;
  FileKey key;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      files_.contains(key = FileKey{st.st_dev, st.st_ino})) {
    close(fd);
    return;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  FileCursor cursor;
  bool resumed = false;
  if (auto known = positions_.find(key); known != positions_.end()) {
    absl::StatusOr<std::optional<Fingerprint>> fingerprint =
        RecheckFingerprint(fd, size, known->second.fingerprint);
    if (fingerprint.ok() && fingerprint->has_value() && known->second.offset <= size) {
      cursor = known->second;
      cursor.fingerprint = **fingerprint;
      resumed = true;
    }
    positions_.erase(known);
  }
  if (!resumed) {
    absl::StatusOr<Fingerprint> fingerprint = ComputeFingerprint(fd, size);
    if (!fingerprint.ok()) {
      spdlog::warn("{}", fingerprint.status().ToString());
      close(fd);
      return;
    }
    cursor = FileCursor{key, 0, *fingerprint, path, false};
    if (first_start_ && !scanned_ && !source->config.read_from_beginning) {
      cursor.offset = EndOfLastLine(fd, size);
      sink_->AddCursor(cursor);  // So that a restart does not read it from its start.
    }
  }
  warned_.erase(path);
  FileStream* stream = AcquireStream(*source, cursor.path);
  if (!stream) {
    close(fd);
    return;
  }
  spdlog::info("following {} (input {}) from offset {}{}", path, source->config.name, cursor.offset,
               resumed ? ", its checkpoint" : "");
  files_.emplace(
      key, Tracked{std::make_unique<TailedFile>(fd, std::move(cursor), stream, &source->settings),
                   source, matched ? now_ns : 0});
  metrics_->files_open.Increment();
}

void FileInput::RecoverUnmatched(int64_t now_ns) {
  std::set<std::string> dirs;
  for (const auto& [key, cursor] : positions_) {
    dirs.insert(std::filesystem::path(cursor.path).parent_path().string());
  }
  std::set<FileKey> present;
  for (const std::string& dir : dirs) {
    DIR* d = opendir(dir.empty() ? "." : dir.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      std::string path = StrCat(dir, "/", e->d_name);
      struct stat st;
      if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      auto known = positions_.find(FileKey{st.st_dev, st.st_ino});
      if (known == positions_.end()) continue;
      present.insert(known->first);
      // Rotated away while the collector was down: read what is left, then release it.
      for (auto& source : sources_) {
        bool ours = false;
        for (const std::string& pattern : source->config.paths) {
          ours |= GlobMatch(pattern, known->second.path);
        }
        if (!ours) continue;
        spdlog::info("{} was rotated to {} while the collector was stopped; reading its rest",
                     known->second.path, path);
        Open(source.get(), path, now_ns, /*matched=*/false);
        break;
      }
    }
    closedir(d);
  }
  // Checkpoints of files that no longer exist are dropped once this batch is stored.
  for (auto it = positions_.begin(); it != positions_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    FileCursor gone = it->second;
    gone.forget = true;
    sink_->AddCursor(gone);
    it = positions_.erase(it);
  }
}

}  // namespace vigie::collector
