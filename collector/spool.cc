#include "collector/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "collector/push_builder.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::collector {

Spool::Spool(Options options, ResolveFn on_resolve, Metrics* metrics)
    : options_(std::move(options)), on_resolve_(std::move(on_resolve)), metrics_(metrics) {}

Spool::~Spool() {
  for (auto& [id, segment] : segments_) close(segment.fd);
}

absl::StatusOr<Spool::Segment*> Spool::ActiveSegment(uint64_t first_seq) {
  if (!segments_.empty() && segments_.rbegin()->second.size < options_.segment_bytes) {
    return &segments_.rbegin()->second;
  }
  std::string path = fmt::format("{}/{:020}{}", options_.dir, first_seq, kSpoolSegmentSuffix);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoStatus(StrCat("create ", path), errno);
  if (options_.fsync) {
    if (absl::Status s = SyncDirectory(options_.dir); !s.ok()) {
      close(fd);
      return s;
    }
  }
  Segment& segment = segments_[first_seq];
  segment = Segment{path, fd, 0, 0};
  return &segment;
}

absl::Status Spool::Append(std::vector<SpoolBatch>* batches) {
  std::vector<std::string> encoded(batches->size());
  std::vector<uint32_t> request_offsets(batches->size());
  uint64_t total = 0;
  for (size_t i = 0; i < batches->size(); ++i) {
    encoded[i] = EncodeSpoolRecord((*batches)[i], &request_offsets[i]);
    total += encoded[i].size();
  }
  absl::Status status;
  size_t appended = 0;
  std::vector<int> to_sync;
  {
    std::lock_guard lock(mu_);
    DropOldestLocked(total);
    for (; appended < batches->size(); ++appended) {
      SpoolBatch& batch = (*batches)[appended];
      absl::StatusOr<Segment*> segment = ActiveSegment(batch.seq);
      if (!segment.ok()) {
        status = segment.status();
        break;
      }
      Segment& s = **segment;
      const std::string& record = encoded[appended];
      if (!WriteAllAt(s.fd, record, s.size)) {
        status = ErrnoStatus(StrCat("write ", s.path), errno);
        // Cut off the partial record so that the next append starts on a boundary.
        if (ftruncate(s.fd, static_cast<off_t>(s.size)) != 0) {
          spdlog::error("spool: cannot cut {} back to {} bytes", s.path, s.size);
        }
        break;
      }
      records_.push_back(Record{batch.seq, segments_.rbegin()->first, s.size,
                                static_cast<uint32_t>(record.size() - kSpoolHeaderBytes),
                                request_offsets[appended], batch.entries, batch.samples,
                                std::move(batch.cursors)});
      s.size += record.size();
      s.last_seq = batch.seq;
      bytes_ += record.size();
      if (to_sync.empty() || to_sync.back() != s.fd) to_sync.push_back(s.fd);
    }
    if (!status.ok()) metrics_->spool_write_errors.Increment();
    UpdateGaugesLocked();
  }
  // The new records are not visible yet, so nothing can drop or release their segments and
  // the descriptors stay valid outside the lock.
  for (int fd : to_sync) {
    if (options_.fsync && fdatasync(fd) != 0) {
      // The data is in the page cache (a process crash loses nothing); only a power loss could.
      spdlog::error("spool: fdatasync failed: {}", std::strerror(errno));
      metrics_->spool_write_errors.Increment();
    }
  }
  batches->erase(batches->begin(), batches->begin() + static_cast<ptrdiff_t>(appended));
  if (appended == 0) return status;
  std::function<void()> listener;
  {
    std::lock_guard lock(mu_);
    visible_seq_ = records_.back().seq;
    listener = listener_;
  }
  if (listener) listener();
  return status;
}

void Spool::DropOldestLocked(uint64_t needed) {
  while (!segments_.empty() && bytes_ + needed > options_.max_bytes) {
    auto oldest = segments_.begin();
    while (resolved_ < records_.size() && records_[resolved_].segment == oldest->first) {
      const Record& r = records_[resolved_];
      ++unreported_batches_;
      unreported_entries_ += r.entries;
      unreported_samples_ += r.samples;
      metrics_->spool_dropped_batches.Increment();
      CountDroppedLocked(r);
      ResolveFrontLocked(/*dropped=*/true);
    }
    DeleteSegmentLocked(oldest);
  }
  ReportDropsLocked();
}

void Spool::CountDroppedLocked(const Record& r) {
  metrics_->spool_dropped_entries.Increment(static_cast<double>(r.entries));
  metrics_->spool_dropped_samples.Increment(static_cast<double>(r.samples));
}

void Spool::ResolveFrontLocked(bool dropped) {
  const Record& r = records_[resolved_];
  on_resolve_(r.seq, r.cursors, dropped);
  ++resolved_;
}

void Spool::DeleteSegmentLocked(std::map<uint64_t, Segment>::iterator it) {
  while (!records_.empty() && records_.front().segment == it->first) {
    records_.pop_front();
    if (resolved_ > 0) --resolved_;
  }
  close(it->second.fd);
  if (unlink(it->second.path.c_str()) != 0) {
    spdlog::error("spool: cannot delete {}: {}", it->second.path, std::strerror(errno));
  }
  bytes_ -= it->second.size;
  segments_.erase(it);
}

void Spool::AppendRequestLocked(const Record& r, std::string* out) {
  const Segment& segment = segments_.at(r.segment);
  // Read the whole record in place, check it, then keep only its request bytes.
  size_t at = out->size();
  out->resize(at + kSpoolHeaderBytes + r.length);
  SpoolRecordHead head;
  if (ReadAllAt(segment.fd, out->data() + at, kSpoolHeaderBytes + r.length, r.offset) &&
      DecodeSpoolRecord(std::string_view(*out).substr(at), &head) == kSpoolHeaderBytes + r.length) {
    out->erase(at, kSpoolHeaderBytes + r.request_offset);
    return;
  }
  out->resize(at);
  spdlog::error(
      "spool: batch {} in {} is unreadable or corrupt; its {} entries and {} samples are lost",
      r.seq, segment.path, r.entries, r.samples);
  CountDroppedLocked(r);
  out->append(PushBuilder().Finish(options_.agent_id, r.seq));
}

std::optional<Spool::Outgoing> Spool::Next(uint64_t after, size_t max_bytes) {
  std::lock_guard lock(mu_);
  auto first =
      std::upper_bound(records_.begin() + static_cast<ptrdiff_t>(resolved_), records_.end(), after,
                       [](uint64_t s, const Record& r) { return s < r.seq; });
  if (first == records_.end() || first->seq > visible_seq_) return std::nullopt;
  auto request_bytes = [](const Record& r) { return r.length - r.request_offset; };
  // Which batches go together, and room for them (plus one record's head while reading).
  size_t total = request_bytes(*first);
  uint64_t samples = first->samples;
  auto last = first;
  for (auto it = std::next(first); it != records_.end() && it->seq <= visible_seq_; ++it) {
    if (total + request_bytes(*it) > max_bytes) break;
    if (max_merged_samples_ > 0 && samples + it->samples > max_merged_samples_) break;
    total += request_bytes(*it);
    samples += it->samples;
    last = it;
  }
  Outgoing out{last->seq, static_cast<size_t>(last - first) + 1, {}};
  out.request.reserve(total + kSpoolHeaderBytes + first->request_offset + 64 * 1024);
  for (auto it = first;; ++it) {
    AppendRequestLocked(*it, &out.request);
    if (it == last) break;
  }
  if (last != first) AppendFirstSeq(first->seq, &out.request);
  return out;
}

uint64_t Spool::LastSeq() const {
  std::lock_guard lock(mu_);
  return records_.empty() ? 0 : records_.back().seq;
}

size_t Spool::Acknowledge(uint64_t seq) {
  std::lock_guard lock(mu_);
  size_t resolved = 0;
  while (resolved_ < records_.size() && records_[resolved_].seq <= seq &&
         records_[resolved_].seq <= visible_seq_) {
    ResolveFrontLocked(/*dropped=*/false);
    ++resolved;
  }
  UpdateGaugesLocked();
  return resolved;
}

void Spool::Release(uint64_t checkpointed_seq) {
  std::lock_guard lock(mu_);
  uint64_t resolved_seq = resolved_ > 0 ? records_[resolved_ - 1].seq : 0;
  uint64_t limit = std::min(checkpointed_seq, resolved_seq);
  // The last segment takes appends and is never released; it is closed once full.
  while (segments_.size() > 1 && segments_.begin()->second.last_seq <= limit) {
    DeleteSegmentLocked(segments_.begin());
  }
  UpdateGaugesLocked();
}

void Spool::FollowServerLimit(uint64_t max_samples_per_request) {
  std::lock_guard lock(mu_);
  max_merged_samples_ = max_samples_per_request;
}

uint64_t Spool::FirstUnresolved() const {
  std::lock_guard lock(mu_);
  return resolved_ < records_.size() ? records_[resolved_].seq : 0;
}

void Spool::SetAppendListener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

uint64_t Spool::Bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

void Spool::ReportDrops() {
  std::lock_guard lock(mu_);
  ReportDropsLocked();
}

void Spool::ReportDropsLocked() {
  if (unreported_batches_ == 0) return;
  int64_t now = NowNanos();
  if (now - last_report_ns_ < 60 * kNanosPerSecond) return;
  spdlog::warn(
      "spool full ({} bytes max): dropped the {} oldest batches ({} entries, {} samples) since "
      "the last report",
      options_.max_bytes, unreported_batches_, unreported_entries_, unreported_samples_);
  unreported_batches_ = unreported_entries_ = unreported_samples_ = 0;
  last_report_ns_ = now;
}

void Spool::UpdateGaugesLocked() {
  metrics_->spool_bytes.Set(static_cast<double>(bytes_));
  metrics_->spool_batches.Set(static_cast<double>(records_.size() - resolved_));
}

}  // namespace vigie::collector
