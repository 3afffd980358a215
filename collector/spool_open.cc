// Spool::Open and its recovery of what a previous run left; the rest is in spool.cc.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "collector/spool.h"
#include "common/strings.h"

namespace vigie::collector {

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(Options options, uint64_t resolved_through,
                                                   ResolveFn on_resolve, Metrics* metrics) {
  if (absl::Status s = EnsureDirectory(options.dir); !s.ok()) return s;
  std::unique_ptr<Spool> spool(new Spool(std::move(options), std::move(on_resolve), metrics));
  if (absl::Status s = spool->Recover(resolved_through); !s.ok()) return s;
  return spool;
}

absl::Status Spool::Recover(uint64_t resolved_through) {
  DIR* dir = opendir(options_.dir.c_str());
  if (!dir) return ErrnoStatus(StrCat("open spool directory ", options_.dir), errno);
  std::map<uint64_t, std::string> files;
  while (dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    uint64_t id = 0;
    if (name.size() > kSpoolSegmentSuffix.size() && name.ends_with(kSpoolSegmentSuffix) &&
        ParseNumber(name.substr(0, name.size() - kSpoolSegmentSuffix.size()), &id)) {
      files[id] = StrCat(options_.dir, "/", name);
    }
  }
  closedir(dir);
  for (auto it = files.begin(); it != files.end(); ++it) {
    if (absl::Status s = LoadSegment(it->first, it->second, std::next(it) == files.end());
        !s.ok()) {
      return s;
    }
  }
  while (resolved_ < records_.size() && records_[resolved_].seq <= resolved_through) ++resolved_;
  visible_seq_ = records_.empty() ? 0 : records_.back().seq;
  if (records_.size() > resolved_) {
    spdlog::info("spool: {} unacknowledged batches to resend, seq {} to {}",
                 records_.size() - resolved_, records_[resolved_].seq, visible_seq_);
  }
  UpdateGaugesLocked();
  return absl::OkStatus();
}

absl::Status Spool::LoadSegment(uint64_t id, const std::string& path, bool last) {
  absl::StatusOr<std::string> data = ReadWholeFile(path);
  if (!data.ok()) return data.status();
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(StrCat("open ", path), errno);
  Segment segment{path, fd, 0, 0};
  std::string_view rest = *data;
  while (!rest.empty()) {
    SpoolRecordHead head;
    size_t length = DecodeSpoolRecord(rest, &head);
    if (length > 0 && head.version > kSpoolRecordVersion) {
      close(fd);
      // Cutting it off as if torn would lose what a newer collector spooled.
      return absl::FailedPreconditionError(StrCat(
          path, " holds spool records of version ", head.version, "; this collector reads up to ",
          kSpoolRecordVersion, ": run the newer collector until its spool is sent, or move ",
          options_.dir, " away"));
    }
    if (length == 0 || (!records_.empty() && head.seq <= records_.back().seq)) break;
    records_.push_back(
        Record{head.seq, id, segment.size, static_cast<uint32_t>(length - kSpoolHeaderBytes),
               head.request_offset, head.entries, head.samples, std::move(head.cursors)});
    segment.last_seq = head.seq;
    segment.size += length;
    rest.remove_prefix(length);
  }
  if (segment.size < data->size()) {
    spdlog::warn("spool: {} has {} unreadable bytes after offset {}{}", path,
                 data->size() - segment.size, segment.size,
                 last ? " (a write cut short by a crash); cut off" : "; ignored");
    if (last && ftruncate(fd, static_cast<off_t>(segment.size)) != 0) {
      return ErrnoStatus(StrCat("truncate ", path), errno);
    }
  }
  bytes_ += segment.size;
  segments_[id] = std::move(segment);
  return absl::OkStatus();
}

std::vector<std::pair<uint64_t, std::vector<FileCursor>>> Spool::RecoveredCursors() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<uint64_t, std::vector<FileCursor>>> out;
  for (size_t i = resolved_; i < records_.size(); ++i) {
    out.emplace_back(records_[i].seq, records_[i].cursors);
  }
  return out;
}

}  // namespace vigie::collector
