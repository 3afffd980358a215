#include "query/logql/line_counts.h"

#include <algorithm>
#include <map>
#include <memory>

#include "absl/container/flat_hash_map.h"

namespace vigie::logql {
namespace {

using Counts = std::vector<BucketCount>;

// What one worker counted: per stream for the lines that kept their stream's labels, per label
// set for the others. Touched by its worker only, until the scan is over.
struct WorkerCounts {
  std::vector<std::unique_ptr<Counts>> by_stream;
  std::map<LabelSet, Counts> by_labels;
};

void AddTo(Counts& into, const Counts& from) {
  for (size_t j = 0; j < from.size(); ++j) {
    into[j].lines += from[j].lines;
    into[j].bytes += from[j].bytes;
  }
}

}  // namespace

size_t TimeBuckets::Of(int64_t ts) const {
  // The first bound >= ts closes the bucket that holds it.
  auto it = std::lower_bound(bounds_.begin() + 1, bounds_.end(), ts);
  if (it == bounds_.end()) return size() - 1;
  return static_cast<size_t>(it - bounds_.begin()) - 1;
}

absl::Status CountLines(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options,
                        const TimeBuckets& buckets,
                        const std::vector<std::optional<LabelSet>>& stream_series,
                        std::vector<CountedSeries>* out, ScanStats* stats) {
  std::vector<WorkerCounts> workers(std::max(options.threads, 1));
  for (WorkerCounts& w : workers) w.by_stream.resize(streams.size());
  const std::vector<int64_t>& bounds = buckets.bounds();
  const BlockFn count_block = [&](int worker, const BlockMatches& m) {
    if (m.lines.empty()) return;
    WorkerCounts& mine = workers[worker];
    // The counts of the stream's series, made on its first line.
    auto stream_counts = [&]() -> Counts* {
      if (!stream_series[m.stream_index]) return nullptr;
      std::unique_ptr<Counts>& c = mine.by_stream[m.stream_index];
      if (!c) c = std::make_unique<Counts>(buckets.size());
      return c.get();
    };
    // A pipeline interns the label sets it makes: one lookup per label set and block.
    absl::flat_hash_map<const LabelSet*, Counts*> by_pointer;
    auto labels_counts = [&](const LabelSet* labels) {
      auto [it, inserted] = by_pointer.try_emplace(labels, nullptr);
      if (inserted) {
        Counts& c = mine.by_labels[*labels];
        if (c.empty()) c.resize(buckets.size());
        it->second = &c;
      }
      return it->second;
    };
    Counts* whole_block = m.labels.empty() ? stream_counts() : nullptr;
    if (m.labels.empty() && whole_block == nullptr) return;
    // Lines are in time order: the bucket only moves forward.
    size_t bucket = buckets.Of(m.block.ts(m.lines.front()));
    for (size_t k = 0; k < m.lines.size(); ++k) {
      const int64_t ts = m.block.ts(m.lines[k]);
      while (bucket + 1 < buckets.size() && ts > bounds[bucket + 1]) ++bucket;
      Counts* counts = whole_block;
      if (counts == nullptr) counts = m.labels[k] ? labels_counts(m.labels[k]) : stream_counts();
      if (counts == nullptr) continue;
      BucketCount& c = (*counts)[bucket];
      ++c.lines;
      c.bytes += m.texts.empty() ? m.block.line(m.lines[k]).size() : m.texts[k].size();
    }
  };
  absl::Status status = ScanBlocks(reader, streams, filter, options, count_block, stats);
  if (!status.ok()) return status;
  std::map<LabelSet, Counts> merged;
  auto add = [&](const LabelSet& labels, const Counts& counts) {
    Counts& into = merged[labels];
    if (into.empty()) into.resize(buckets.size());
    AddTo(into, counts);
  };
  for (WorkerCounts& w : workers) {
    for (size_t s = 0; s < streams.size(); ++s) {
      if (w.by_stream[s]) add(*stream_series[s], *w.by_stream[s]);
    }
    for (const auto& [labels, counts] : w.by_labels) add(labels, counts);
  }
  out->clear();
  out->reserve(merged.size());
  for (auto& [labels, counts] : merged) out->push_back({labels, std::move(counts)});
  return absl::OkStatus();
}

}  // namespace vigie::logql
