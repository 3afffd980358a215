#include "query/logql/volume.h"

#include <algorithm>

namespace vigie::logql {

// Times are at or after the epoch (the HTTP layer refuses earlier ones), so plain division
// rounds down.
size_t VolumeSteps::count() const {
  if (step_ns <= 0) return 1;
  if (end_ns <= start_ns) return 0;
  return static_cast<size_t>((end_ns - 1) / step_ns - start_ns / step_ns + 1);
}

size_t VolumeSteps::IndexOf(int64_t ts) const {
  if (step_ns <= 0) return 0;
  return static_cast<size_t>(ts / step_ns - start_ns / step_ns);
}

int64_t VolumeSteps::EndOf(size_t i) const {
  if (step_ns <= 0) return end_ns;
  int64_t boundary = (start_ns / step_ns + static_cast<int64_t>(i) + 1) * step_ns;
  return std::min(boundary, end_ns);
}

absl::Status VolumeCounter::Count(store::StreamId stream, std::vector<VolumeCount>* counts) {
  counts->assign(steps_.count(), VolumeCount());
  if (counts->empty()) return absl::OkStatus();
  store::TimeRange range{steps_.start_ns, steps_.end_ns};
  for (const store::BlockInfo& info : reader_->Blocks(stream, range)) {
    if (absl::Status s = stop_.Check(); !s.ok()) return s;
    ++blocks_;
    const store::BlockKey& key = info.key;
    if (key.min_ts >= range.start_ns && key.max_ts < range.end_ns &&
        steps_.IndexOf(key.min_ts) == steps_.IndexOf(key.max_ts)) {
      VolumeCount& c = (*counts)[steps_.IndexOf(key.min_ts)];
      c.entries += info.entries;
      c.bytes += info.raw_bytes;
      continue;
    }
    ++blocks_read_;
    if (absl::Status s = reader_->ReadBlock(key, &block_); !s.ok()) return s;
    for (size_t i = 0; i < block_.size(); ++i) {
      int64_t ts = block_.ts(i);
      if (ts < range.start_ns || ts >= range.end_ns) continue;
      VolumeCount& c = (*counts)[steps_.IndexOf(ts)];
      ++c.entries;
      c.bytes += block_.line(i).size();
    }
  }
  return absl::OkStatus();
}

}  // namespace vigie::logql
