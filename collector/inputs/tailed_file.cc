#include "collector/inputs/tailed_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "collector/inputs/fingerprint.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

TailedFile::TailedFile(int fd, FileCursor cursor, FileStream* stream, const Settings* settings)
    : fd_(fd),
      cursor_(std::move(cursor)),
      stream_(stream),
      settings_(settings),
      splitter_(settings->max_line_bytes, cursor_.offset) {
  if (settings->multiline_start) {
    multiline_.emplace(settings->multiline_start, settings->multiline_timeout,
                       settings->max_line_bytes);
  }
  last_read_ns_ = NowNanos();
}

TailedFile::~TailedFile() { close(fd_); }

void TailedFile::EmitEntry(std::string_view text, uint64_t end_offset, bool truncated,
                           int64_t read_ns, EntrySink* sink) {
  stream_->last_ts = std::max(read_ns, stream_->last_ts + 1);
  cursor_.offset = end_offset;
  sink->Add(stream_->stream, stream_->last_ts, text, &cursor_);
  settings_->counters->lines.Increment();
  if (truncated) settings_->counters->truncated.Increment();
}

void TailedFile::OnLine(std::string_view line, uint64_t end_offset, bool truncated, int64_t now_ns,
                        EntrySink* sink) {
  if (!multiline_) {
    EmitEntry(line, end_offset, truncated, now_ns, sink);
    return;
  }
  multiline_->Add(line, end_offset, truncated, now_ns,
                  [&](std::string_view entry, uint64_t end, bool cut, int64_t first_ns) {
                    EmitEntry(entry, end, cut, first_ns, sink);
                  });
}

absl::StatusOr<size_t> TailedFile::Poll(size_t budget, int64_t now_ns, std::string* scratch,
                                        EntrySink* sink) {
  struct stat st;
  if (fstat(fd_, &st) != 0) return ErrnoStatus(StrCat("stat ", cursor_.path), errno);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = splitter_.offset();
  if (size < offset) {
    if (absl::Status s = Restart("it shrank (copytruncate?)", size, sink); !s.ok()) return s;
    offset = 0;
  } else if (size > offset) {
    // Before reading on: a file truncated and already regrown past the offset (copytruncate
    // under a busy writer) no longer starts with the bytes it was fingerprinted by.
    absl::StatusOr<std::optional<Fingerprint>> fingerprint =
        RecheckFingerprint(fd_, size, cursor_.fingerprint);
    if (!fingerprint.ok()) return fingerprint.status();
    if (!*fingerprint) {
      absl::Status s = Restart("its first bytes changed (truncated and rewritten?)", size, sink);
      if (!s.ok()) return s;
      offset = 0;
    } else {
      cursor_.fingerprint = **fingerprint;
    }
  }
  size_t want = static_cast<size_t>(std::min<uint64_t>(budget, size - offset));
  at_eof_ = want == 0;
  stream_->lag->Set(static_cast<double>(size - offset));
  if (want == 0) return 0;
  if (scratch->size() < want) scratch->resize(want);
  ssize_t n;
  do {
    n = pread(fd_, scratch->data(), want, static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus(StrCat("read ", cursor_.path), errno);
  splitter_.Feed(std::string_view(scratch->data(), static_cast<size_t>(n)),
                 [&](std::string_view line, uint64_t end, bool truncated) {
                   OnLine(line, end, truncated, now_ns, sink);
                 });
  settings_->counters->bytes.Increment(static_cast<double>(n));
  last_read_ns_ = now_ns;
  at_eof_ = splitter_.offset() >= size;
  stream_->lag->Set(static_cast<double>(size - std::min(size, splitter_.offset())));
  return static_cast<size_t>(n);
}

void TailedFile::Expire(int64_t now_ns, EntrySink* sink) {
  if (!multiline_) return;
  multiline_->Expire(now_ns, [&](std::string_view entry, uint64_t end, bool cut, int64_t first) {
    EmitEntry(entry, end, cut, first, sink);
  });
}

void TailedFile::FlushPending(int64_t now_ns, EntrySink* sink) {
  splitter_.Flush([&](std::string_view line, uint64_t end, bool truncated) {
    OnLine(line, end, truncated, now_ns, sink);
  });
  if (multiline_) {
    multiline_->Flush([&](std::string_view entry, uint64_t end, bool cut, int64_t first) {
      EmitEntry(entry, end, cut, first, sink);
    });
  }
}

absl::Status TailedFile::Restart(std::string_view why, uint64_t size, EntrySink* sink) {
  spdlog::info("{}: {}; reading it again from the start", cursor_.path, why);
  FlushPending(NowNanos(), sink);
  absl::StatusOr<Fingerprint> fingerprint = ComputeFingerprint(fd_, size);
  if (!fingerprint.ok()) return fingerprint.status();
  splitter_.Reset(0);
  cursor_.offset = 0;
  cursor_.fingerprint = *fingerprint;
  sink->AddCursor(cursor_);
  return absl::OkStatus();
}

FileCursor TailedFile::Release(EntrySink* sink) {
  FlushPending(NowNanos(), sink);
  FileCursor last = cursor_;
  last.offset = splitter_.offset();
  cursor_.forget = true;
  sink->AddCursor(cursor_);
  return last;
}

}  // namespace vigie::collector
