#include "collector/batcher.h"

#include <spdlog/spdlog.h>

namespace vigie::collector {

Batcher::Batcher(Options options, AgentState* state, Spool* spool, Metrics* metrics)
    : options_(options),
      max_unit_samples_(options.max_unit_samples),
      max_samples_(options.max_samples),
      state_(state),
      spool_(spool),
      metrics_(metrics) {}

void Batcher::FollowServerLimit(uint64_t max_samples_per_request) {
  auto follow = [&](size_t configured) {
    return max_samples_per_request == 0
               ? configured
               : static_cast<size_t>(std::min<uint64_t>(configured, max_samples_per_request));
  };
  max_unit_samples_ = follow(options_.max_unit_samples);
  max_samples_ = follow(options_.max_samples);
}

Batcher::~Batcher() { Stop(); }

void Batcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Batcher::WaitForSpaceLocked(std::unique_lock<std::mutex>& lock) {
  space_cv_.wait(lock, [&] { return pending_ < options_.max_pending || closed_for_input_; });
}

void Batcher::HoldBackLocked(std::unique_lock<std::mutex>& lock, size_t more) {
  if (options_.hold_back_bytes == 0) return;
  auto full = [&] {
    return spool_->Bytes() + pending_bytes_ + open_.builder.bytes() + more >
           options_.hold_back_bytes;
  };
  if (!full()) return;
  metrics_->file_reading_paused.Set(1);
  // The spool shrinks when acknowledged segments are released (every second); no event to
  // wait for, so look again every 100 ms.
  while (!closed_for_input_ && full()) space_cv_.wait_for(lock, std::chrono::milliseconds(100));
  metrics_->file_reading_paused.Set(0);
}

void Batcher::OpenLocked() {
  if (!open_.empty()) return;
  open_.opened = std::chrono::steady_clock::now();
  work_cv_.notify_one();  // Run() now has a deadline to wait for.
}

void Batcher::NoteCursorLocked(const FileCursor& cursor) {
  auto [it, inserted] = open_.cursors.try_emplace(cursor.key, cursor);
  if (inserted) return;
  if (it->second.forget || cursor.forget) {
    it->second = cursor;  // Released, or a new file that reuses a released one's inode.
  } else {
    // The same file: its path never changes, so copy only what moves.
    it->second.offset = cursor.offset;
    it->second.fingerprint = cursor.fingerprint;
  }
}

void Batcher::Add(const StreamRef& stream, int64_t ts_ns, std::string_view line,
                  const FileCursor* cursor) {
  std::unique_lock lock(mu_);
  if (!open_.builder.empty() && open_.builder.bytes() + line.size() + 32 > options_.max_bytes) {
    CloseLocked();
  }
  WaitForSpaceLocked(lock);
  if (cursor) HoldBackLocked(lock, line.size());
  if (closed_for_input_) return;
  OpenLocked();
  open_.builder.Add(stream, ts_ns, line);
  if (cursor) NoteCursorLocked(*cursor);
  if (open_.builder.bytes() >= options_.max_bytes) CloseLocked();
}

void Batcher::AddMetrics(MetricUnit unit) {
  size_t max_unit_samples = max_unit_samples_;
  if (unit.samples.size() > max_unit_samples) {
    spdlog::error(
        "a metric unit (one flush or scrape) of {} samples is over the {} vigied stores in one "
        "request: dropped whole",
        unit.samples.size(), max_unit_samples);
    metrics_->metric_units_refused.Increment();
    return;
  }
  size_t bytes = EncodedMetricsBytes(unit);
  std::unique_lock lock(mu_);
  WaitForSpaceLocked(lock);
  if (closed_for_input_) return;
  // After the wait: other inputs may have filled the open batch meanwhile.
  size_t max_samples = max_samples_;
  if (!open_.builder.empty() && (open_.builder.bytes() + bytes > options_.max_bytes ||
                                 open_.builder.samples() + unit.samples.size() > max_samples)) {
    CloseLocked();
  }
  OpenLocked();
  open_.builder.AddMetrics(unit);
  if (open_.builder.bytes() >= options_.max_bytes || open_.builder.samples() >= max_samples) {
    CloseLocked();
  }
}

void Batcher::AddCursor(const FileCursor& cursor) {
  std::unique_lock lock(mu_);
  WaitForSpaceLocked(lock);
  if (closed_for_input_) return;
  OpenLocked();
  NoteCursorLocked(cursor);
}

void Batcher::CloseLocked() {
  if (open_.empty()) return;
  pending_bytes_ += open_.builder.bytes();
  closed_.push_back(std::move(open_));
  open_ = OpenBatch();
  ++pending_;
  ++closed_count_;
  work_cv_.notify_one();
}

void Batcher::Flush() {
  std::unique_lock lock(mu_);
  CloseLocked();
  uint64_t target = closed_count_;
  space_cv_.wait(lock, [&] { return written_count_ >= target || !thread_.joinable(); });
}

void Batcher::Close() {
  std::lock_guard lock(mu_);
  closed_for_input_ = true;
  space_cv_.notify_all();
}

void Batcher::Stop() {
  Close();
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    CloseLocked();
    stopping_ = true;
    work_cv_.notify_one();
  }
  thread_.join();
  space_cv_.notify_all();
}

void Batcher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    if (closed_.empty() && !stopping_) {
      if (open_.empty()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, open_.opened + options_.max_age);
      }
    }
    if (!open_.empty() && std::chrono::steady_clock::now() >= open_.opened + options_.max_age) {
      CloseLocked();
    }
    if (closed_.empty()) {
      if (stopping_) return;
      continue;
    }
    std::deque<OpenBatch> batches = std::move(closed_);
    closed_.clear();
    size_t n = batches.size();
    uint64_t bytes = 0;
    for (const OpenBatch& b : batches) bytes += b.builder.bytes();
    lock.unlock();
    Write(std::move(batches));
    lock.lock();
    pending_ -= n;
    pending_bytes_ -= bytes;
    written_count_ += n;
    space_cv_.notify_all();
  }
}

void Batcher::Write(std::deque<OpenBatch> batches) {
  std::vector<SpoolBatch> spooled;
  for (OpenBatch& b : batches) {
    absl::StatusOr<uint64_t> seq = state_->NextSeq();
    while (!seq.ok()) {
      spdlog::error("cannot allocate a batch sequence number ({}); retrying in 1s",
                    seq.status().ToString());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      seq = state_->NextSeq();
    }
    SpoolBatch out{*seq,
                   b.builder.entries(),
                   b.builder.samples(),
                   b.builder.Finish(state_->agent_id(), *seq),
                   {}};
    for (auto& [key, cursor] : b.cursors) out.cursors.push_back(std::move(cursor));
    spooled.push_back(std::move(out));
  }
  size_t total = spooled.size();
  while (true) {
    absl::Status status = spool_->Append(&spooled);
    metrics_->batches_created.Increment(static_cast<double>(total - spooled.size()));
    total = spooled.size();
    if (spooled.empty()) return;
    spdlog::error("spool write failed ({}); {} batches wait, inputs are held back; retrying in 1s",
                  status.ToString(), spooled.size());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace vigie::collector
