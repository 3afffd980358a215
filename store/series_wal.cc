#include "store/series_wal.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "common/strings.h"
#include "common/varint.h"

namespace vigie::store {

namespace {

constexpr size_t kFrameHeader = 8;
constexpr std::string_view kCheckpointPrefix = "checkpoint.";
constexpr std::string_view kTmpSuffix = ".tmp";

uint32_t Checksum(std::string_view payload) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
}

void AppendFrame(std::string_view payload, std::string* out) {
  PutBigEndian32(out, static_cast<uint32_t>(payload.size()));
  PutBigEndian32(out, Checksum(payload));
  out->append(payload);
}

std::string Number(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(n));
  return buf;
}

// The number of a segment name (eight or more digits), or 0 when `name` is not one.
uint64_t SegmentNumber(std::string_view name) {
  if (name.size() < 8 || name.size() > 19) return 0;
  uint64_t n = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// Where the frames of `data` stop being whole, and why; offset == data.size() when they all are.
struct Damage {
  size_t offset = 0;
  std::string why;
  bool torn = false;  // It can be a write cut short: nothing whole follows it.
};

// Calls `fn` for each whole frame of `data` (with its offset) up to the first damaged one.
absl::StatusOr<Damage> ScanFrames(std::string_view data,
                                  const std::function<absl::Status(std::string_view, size_t)>& fn) {
  size_t at = 0;
  while (at < data.size()) {
    std::string_view rest = data.substr(at);
    Damage d{at, "", false};
    bool all_zero = rest.find_first_not_of('\0') == std::string_view::npos;
    if (rest.size() < kFrameHeader) {
      d.why = "a record header cut short";
      d.torn = true;
      return d;
    }
    uint32_t length = GetBigEndian32(rest.data());
    uint32_t crc = GetBigEndian32(rest.data() + 4);
    if (length == 0) {
      d.why = "a record of length 0";
      d.torn = all_zero;
      return d;
    }
    if (length > rest.size() - kFrameHeader) {
      d.why =
          StrCat("a record of ", length, " bytes where ", rest.size() - kFrameHeader, " are left");
      d.torn = true;
      return d;
    }
    std::string_view payload = rest.substr(kFrameHeader, length);
    if (Checksum(payload) != crc) {
      d.why = "a record whose checksum does not match";
      d.torn = all_zero || kFrameHeader + length == rest.size();
      return d;
    }
    if (absl::Status st = fn(payload, at); !st.ok()) return st;
    at += kFrameHeader + length;
  }
  return Damage{at, "", false};
}

absl::Status Corrupt(const std::string& path, size_t offset, std::string_view why) {
  return absl::DataLossError(StrCat(
      "the series log file ", path, " is damaged at byte offset ", offset, " (", why,
      "): vigied cannot replay the samples from there on. Keep a copy of the data directory; "
      "then restore it from a backup, or accept losing those samples: truncate the file to ",
      offset, " bytes (truncate -s ", offset, " ", path,
      ") and remove the segment files numbered after it, and start vigied again"));
}

}  // namespace

std::string SeriesWal::SegmentPath(uint64_t number) const {
  return StrCat(options_.dir, "/", Number(number));
}

std::string SeriesWal::CheckpointPath(uint64_t segment) const {
  return StrCat(options_.dir, "/", kCheckpointPrefix, Number(segment));
}

absl::StatusOr<std::unique_ptr<SeriesWal>> SeriesWal::Open(SeriesWalOptions options,
                                                           const RecordFn& on_checkpoint,
                                                           const RecordFn& on_record) {
  std::unique_ptr<SeriesWal> wal(new SeriesWal(std::move(options)));
  if (absl::Status st = wal->options_.fs->CreateDir(wal->options_.dir); !st.ok()) return st;
  if (absl::Status st = wal->Replay(on_checkpoint, on_record); !st.ok()) return st;
  return wal;
}

SeriesWal::~SeriesWal() = default;

absl::Status SeriesWal::Replay(const RecordFn& on_checkpoint, const RecordFn& on_record) {
  WalFs& fs = *options_.fs;
  absl::StatusOr<std::vector<std::string>> names = fs.List(options_.dir);
  if (!names.ok()) return names.status();
  std::vector<uint64_t> segments, checkpoints;
  for (const std::string& name : *names) {
    std::string_view n = name;
    if (n.ends_with(kTmpSuffix)) {
      // A checkpoint whose writing a crash interrupted: the segments it was to replace are there.
      if (absl::Status st = fs.Remove(StrCat(options_.dir, "/", name)); !st.ok()) return st;
    } else if (n.starts_with(kCheckpointPrefix)) {
      if (uint64_t c = SegmentNumber(n.substr(kCheckpointPrefix.size()))) checkpoints.push_back(c);
    } else if (uint64_t s = SegmentNumber(n)) {
      segments.push_back(s);
    }
  }
  std::sort(segments.begin(), segments.end());
  std::sort(checkpoints.begin(), checkpoints.end());
  uint64_t first = checkpoints.empty() ? 0 : checkpoints.back();
  // Left by a crash between a checkpoint's rename and the removals that follow it.
  for (size_t i = 0; i + 1 < checkpoints.size(); ++i) {
    if (absl::Status st = fs.Remove(CheckpointPath(checkpoints[i])); !st.ok()) return st;
  }
  std::string data;
  if (first > 0) {
    std::string path = CheckpointPath(first);
    if (absl::Status st = fs.ReadAll(path, &data); !st.ok()) return st;
    absl::StatusOr<Damage> d = ScanFrames(data, [&](std::string_view record, size_t offset) {
      absl::Status st = on_checkpoint(record);
      return st.ok() ? st : Corrupt(path, offset, StrCat(st.message()));
    });
    if (!d.ok()) return d.status();
    // A checkpoint is renamed into place only once written whole and synced.
    if (d->offset != data.size()) return Corrupt(path, d->offset, d->why);
  }
  uint64_t next = std::max<uint64_t>(first, 1);
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string path = SegmentPath(segments[i]);
    if (segments[i] < first) {
      if (absl::Status st = fs.Remove(path); !st.ok()) return st;
      continue;
    }
    next = segments[i] + 1;
    if (absl::Status st = fs.ReadAll(path, &data); !st.ok()) return st;
    absl::StatusOr<Damage> d = ScanFrames(data, [&](std::string_view record, size_t offset) {
      absl::Status st = on_record(record);
      return st.ok() ? st : Corrupt(path, offset, StrCat(st.message()));
    });
    if (!d.ok()) return d.status();
    if (d->offset == data.size()) continue;
    // Segments before the last were synced whole before the next one was started; in the last,
    // a write cut short by a crash was never acknowledged.
    if (i + 1 < segments.size() || !d->torn) return Corrupt(path, d->offset, d->why);
    if (absl::Status st = fs.Truncate(path, d->offset); !st.ok()) return st;
    options_.warn(StrCat("series log: ", path, " ends in ", data.size() - d->offset,
                         " bytes of an incomplete write (", d->why,
                         ", left by a crash; never acknowledged): truncated at byte offset ",
                         d->offset));
  }
  std::unique_lock lock(mu_);
  Acquire(lock);
  lock.unlock();
  absl::Status st = StartSegment(next);
  lock.lock();
  Release(lock);
  return st;
}

absl::Status SeriesWal::StartSegment(uint64_t number) {
  absl::StatusOr<std::unique_ptr<WalFile>> file = options_.fs->OpenAppend(SegmentPath(number));
  if (!file.ok()) return file.status();
  if (absl::Status st = options_.fs->SyncDir(options_.dir); !st.ok()) return st;
  file_ = *std::move(file);
  segment_ = number;
  segment_size_ = 0;
  return absl::OkStatus();
}

void SeriesWal::Acquire(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [this] { return !writing_; });
  writing_ = true;
}

void SeriesWal::Release(std::unique_lock<std::mutex>& lock) {
  writing_ = false;
  lock.unlock();
  cv_.notify_all();
  lock.lock();
}

uint64_t SeriesWal::Enqueue(std::string_view record) {
  std::lock_guard lock(mu_);
  AppendFrame(record, &buffer_);
  return ++enqueued_;
}

absl::Status SeriesWal::WriteOut(std::string_view frames) {
  if (frames.empty()) return absl::OkStatus();
  if (absl::Status st = file_->Append(frames); !st.ok()) return st;
  if (absl::Status st = file_->Sync(); !st.ok()) return st;
  segment_size_ += frames.size();
  if (segment_size_ >= options_.segment_bytes) return StartSegment(segment_ + 1);
  return absl::OkStatus();
}

absl::Status SeriesWal::WaitDurable(uint64_t ticket) {
  std::unique_lock lock(mu_);
  std::string frames;
  while (failed_.ok() && synced_ < ticket) {
    if (writing_) {
      cv_.wait(lock);
      continue;
    }
    writing_ = true;
    frames.clear();
    frames.swap(buffer_);
    uint64_t upto = enqueued_;
    lock.unlock();
    absl::Status st = WriteOut(frames);
    lock.lock();
    if (st.ok()) {
      synced_ = upto;
      since_checkpoint_ += frames.size();
    } else {
      failed_ = absl::UnavailableError(
          StrCat("the series log failed (", st.message(),
                 "): no sample can be acknowledged until vigied is restarted, which replays "
                 "what the log holds"));
    }
    Release(lock);
  }
  return failed_;
}

absl::StatusOr<uint64_t> SeriesWal::Rotate() {
  std::unique_lock lock(mu_);
  Acquire(lock);
  std::string frames;
  frames.swap(buffer_);
  uint64_t upto = enqueued_;
  absl::Status st = failed_;
  lock.unlock();
  if (st.ok()) st = WriteOut(frames);
  if (st.ok()) st = StartSegment(segment_ + 1);
  lock.lock();
  if (st.ok()) {
    synced_ = upto;
    since_checkpoint_ = 0;
  } else if (failed_.ok()) {
    failed_ = absl::UnavailableError(StrCat("the series log failed (", st.message(), ")"));
  }
  uint64_t segment = segment_;
  Release(lock);
  if (!failed_.ok()) return failed_;
  return segment;
}

absl::Status SeriesWal::WriteCheckpoint(uint64_t segment, const std::vector<std::string>& records) {
  WalFs& fs = *options_.fs;
  std::string path = CheckpointPath(segment);
  std::string tmp = StrCat(path, kTmpSuffix);
  std::string frames;
  for (const std::string& r : records) AppendFrame(r, &frames);
  if (absl::Status st = fs.Remove(tmp); !st.ok()) return st;
  {
    absl::StatusOr<std::unique_ptr<WalFile>> file = fs.OpenAppend(tmp);
    if (!file.ok()) return file.status();
    if (absl::Status st = (*file)->Append(frames); !st.ok()) return st;
    if (absl::Status st = (*file)->Sync(); !st.ok()) return st;
  }
  if (absl::Status st = fs.Rename(tmp, path); !st.ok()) return st;
  if (absl::Status st = fs.SyncDir(options_.dir); !st.ok()) return st;
  absl::StatusOr<std::vector<std::string>> names = fs.List(options_.dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    std::string_view n = name;
    bool old_checkpoint = n.starts_with(kCheckpointPrefix) &&
                          n != std::string_view(path).substr(options_.dir.size() + 1);
    uint64_t s = SegmentNumber(n);
    if (old_checkpoint || (s != 0 && s < segment)) {
      if (absl::Status st = fs.Remove(StrCat(options_.dir, "/", name)); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

absl::Status SeriesWal::Clear() {
  std::unique_lock lock(mu_);
  Acquire(lock);
  file_.reset();
  absl::StatusOr<std::vector<std::string>> names = options_.fs->List(options_.dir);
  absl::Status st = names.status();
  for (size_t i = 0; st.ok() && i < names->size(); ++i) {
    st = options_.fs->Remove(StrCat(options_.dir, "/", (*names)[i]));
  }
  if (st.ok()) st = options_.fs->SyncDir(options_.dir);
  if (failed_.ok()) {
    failed_ = absl::FailedPreconditionError("the series log was cleared for a stop");
  }
  Release(lock);
  return st;
}

uint64_t SeriesWal::bytes_since_checkpoint() const {
  std::lock_guard lock(mu_);
  return since_checkpoint_;
}

}  // namespace vigie::store
