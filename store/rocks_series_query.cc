// RocksStore's metric series, the reading side: samples of a series from its chunks in RocksDB,
// the chunks being cut and the head (RocksStore::SeriesSamplesReader), and the SeriesQuerier's
// selection of series and label names and values by the postings index and partitions.
#include <algorithm>
#include <optional>

#include "common/varint.h"
#include "store/rocks_store.h"
#include "store/series_format.h"

namespace vigie::store {

namespace {
constexpr int64_t kMinTs = std::numeric_limits<int64_t>::min();
}  // namespace

// One iterator per partition over the series_chunks family, kept while a reader goes through
// series in ascending id order. The chunks of a partition are keyed by series id, so reading
// many series is then one forward pass: the iterator usually already stands where the next
// series' chunks begin, and needs no seek.
class RocksStore::ChunkCursors {
 public:
  explicit ChunkCursors(const RocksStore& store) : store_(store) {}

  // An iterator of `partition` at the first key >= `target`.
  rocksdb::Iterator* Seek(uint32_t partition, const std::string& target) {
    auto found = std::find_if(cursors_.begin(), cursors_.end(),
                              [&](const Cursor& c) { return c.partition == partition; });
    if (found == cursors_.end()) {
      // Read before the iterator is made: a chunk dropped from pending after this value was
      // read may be missing from the iterator (see IsOlderThan).
      if (cursors_.empty()) epoch_ = store_.chunks_cleared_.load();
      found = cursors_.insert(cursors_.end(),
                              {partition,
                               std::unique_ptr<rocksdb::Iterator>(
                                   store_.db_->NewIterator({}, store_.families_[kSeriesChunks])),
                               ""});
    }
    Cursor& c = *found;
    // Since the last seek the iterator only stepped over the chunks of the series sought then,
    // all before `target` when it is greater: no key lies in [target, position).
    bool there =
        c.it->Valid() && !c.target.empty() && c.target < target && c.it->key().compare(target) >= 0;
    if (!there) c.it->Seek(target);
    c.target = target;
    return c.it.get();
  }

  // Whether the iterators may predate chunks written and dropped from pending at `epoch` (a
  // shard's cleared_epoch): then a head copied now lacks them and the iterators may too.
  bool IsOlderThan(uint64_t epoch) const { return !cursors_.empty() && epoch > epoch_; }
  // Drops the iterators: the next Seek makes new ones, which see every chunk written so far.
  void Reset() { cursors_.clear(); }

 private:
  struct Cursor {
    uint32_t partition;
    std::unique_ptr<rocksdb::Iterator> it;
    std::string target;  // Of the last Seek.
  };
  const RocksStore& store_;
  std::vector<Cursor> cursors_;
  uint64_t epoch_ = 0;  // chunks_cleared_ before the oldest iterator was made.
};

absl::Status RocksStore::ReadChunks(SeriesId id, uint32_t first_partition, uint32_t last_partition,
                                    int64_t mint_ms, int64_t maxt_ms, std::vector<Sample>* out,
                                    ChunkCursors* cursors) const {
  uint32_t from = std::max(first_partition, SeriesPartitionOf(mint_ms));
  uint32_t to = std::min(last_partition, SeriesPartitionOf(maxt_ms));
  if (from > to) return absl::OkStatus();
  std::optional<ChunkCursors> own;
  if (!cursors) cursors = &own.emplace(*this);
  for (uint32_t p = from;; ++p) {
    std::string prefix = PartitionStreamKey(p, id);
    // No chunk spans two windows: the first that can hold mint is in mint's window.
    int64_t start = p == SeriesPartitionOf(mint_ms) ? WindowStart(mint_ms) : kMinTs;
    rocksdb::Iterator* it = cursors->Seek(p, ChunkKey(p, id, start));
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      ChunkKeyParts key;
      if (!DecodeChunkKey(it->key().ToStringView(), &key)) continue;
      if (key.min_ts > maxt_ms) break;
      if (auto st = DecodeChunk(it->value().ToStringView(), mint_ms, maxt_ms, out); !st.ok()) {
        return st;
      }
    }
    if (auto st = FromRocks(it->status(), "reading series chunks"); !st.ok()) return st;
    if (p == to) break;
  }
  return absl::OkStatus();
}

class RocksStore::SeriesSamplesReader final : public SeriesReader {
 public:
  explicit SeriesSamplesReader(const RocksStore* store) : store_(store) {}

  absl::Status Samples(SeriesId id, int64_t mint_ms, int64_t maxt_ms,
                       std::vector<Sample>* out) const override {
    ChunkCursors cursors(*store_);
    std::vector<Sample> head;
    return Read(id, mint_ms, maxt_ms, &cursors, &head, out);
  }

  absl::Status ForEachSamples(std::span<const SeriesId> ids, int64_t mint_ms, int64_t maxt_ms,
                              const SamplesVisitor& visit) const override {
    std::vector<size_t> order(ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
    ChunkCursors cursors(*store_);
    std::vector<Sample> head, samples;
    for (size_t i : order) {
      samples.clear();
      absl::Status s = Read(ids[i], mint_ms, maxt_ms, &cursors, &head, &samples);
      if (absl::IsNotFound(s) || (s.ok() && samples.empty())) continue;
      if (!s.ok()) return s;
      if (s = visit(i, samples); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  // Samples(), reading the chunks with `cursors`; *head is scratch space.
  absl::Status Read(SeriesId id, int64_t mint_ms, int64_t maxt_ms, ChunkCursors* cursors,
                    std::vector<Sample>* head, std::vector<Sample>* out) const {
    const RocksStore& st = *store_;
    mint_ms = std::max(mint_ms, st.PartitionStartMs(st.min_live_partition_.load()));
    head->clear();
    uint32_t first = 0, last = 0;
    bool stale_cursors = false;
    {
      // The head is decoded under the shard's lock (at most one chunk window of samples, and
      // the chunks cut but not written yet) before the chunks are read: a chunk cut meanwhile
      // is seen in both (and deduplicated below), never in neither.
      SeriesShard& shard = st.shards_[ShardOf(id)];
      std::lock_guard lock(shard.mu);
      auto found = shard.series.find(id);
      if (found == shard.series.end()) return absl::NotFoundError("unknown series");
      const MemSeries& s = *found->second;
      if (mint_ms > maxt_ms) return absl::OkStatus();
      first = s.first_partition;
      last = s.last_partition;
      stale_cursors = cursors->IsOlderThan(shard.cleared_epoch);
      auto [begin, end] = shard.pending.equal_range(id);
      for (auto p = begin; p != end; ++p) {
        if (auto e = DecodeChunk(p->second.bytes, mint_ms, maxt_ms, head); !e.ok()) return e;
      }
      if (!s.chunk.empty() && s.chunk.last_ts() >= mint_ms && s.chunk.first_ts() <= maxt_ms) {
        if (auto e = DecodeChunk(s.chunk.bytes(), mint_ms, maxt_ms, head); !e.ok()) return e;
      }
      if (s.ooo) {
        for (const Sample& x : *s.ooo) {
          if (x.ts_ms >= mint_ms && x.ts_ms <= maxt_ms) head->push_back(x);
        }
      }
    }
    // Iterators made before a chunk of this shard left pending may not hold it: new ones will.
    if (stale_cursors) cursors->Reset();
    size_t start = out->size();
    if (auto s = st.ReadChunks(id, first, last, mint_ms, maxt_ms, out, cursors); !s.ok()) {
      return s;
    }
    out->insert(out->end(), head->begin(), head->end());
    auto mine = out->begin() + static_cast<ptrdiff_t>(start);
    auto not_before = [](const Sample& a, const Sample& b) { return a.ts_ms >= b.ts_ms; };
    if (std::adjacent_find(mine, out->end(), not_before) == out->end()) return absl::OkStatus();
    auto earlier = [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; };
    std::stable_sort(mine, out->end(), earlier);
    auto same_time = [](const Sample& a, const Sample& b) { return a.ts_ms == b.ts_ms; };
    out->erase(std::unique(mine, out->end(), same_time), out->end());
    return absl::OkStatus();
  }

  const RocksStore* store_;
};

std::unique_ptr<SeriesReader> RocksStore::NewSeriesReader() const {
  return std::make_unique<SeriesSamplesReader>(this);
}

namespace {

// Orders label sets in LabelSet::Encode() form as LabelSet's operator< orders them decoded:
// label by label, name then value, a prefix first. Sorting before decoding saves copies.
bool EncodedLess(std::string_view a, std::string_view b) {
  auto field = [](std::string_view* in) {
    uint64_t n = 0;
    if (!GetVarint(in, &n) || n > in->size()) n = in->size();
    std::string_view out = in->substr(0, n);
    in->remove_prefix(n);
    return out;
  };
  while (!a.empty() && !b.empty()) {
    for (int f = 0; f < 2; ++f) {  // Name, then value.
      std::string_view x = field(&a), y = field(&b);
      if (int c = x.compare(y); c != 0) return c < 0;
    }
  }
  return a.empty() && !b.empty();
}

}  // namespace

std::vector<SeriesRef> RocksStore::SelectSeries(std::span<const SeriesMatcher> matchers,
                                                int64_t mint_ms, int64_t maxt_ms) const {
  std::vector<SeriesRef> out;
  if (mint_ms > maxt_ms) return out;
  uint32_t from = SeriesPartitionOf(mint_ms), to = SeriesPartitionOf(maxt_ms);
  std::shared_lock lock(index_mu_);
  // The encoded label sets are copied side by side first: sorting then compares memory that
  // is close together instead of following a pointer to each series twice per comparison.
  struct Selected {
    size_t offset, size;
    SeriesId id;
  };
  std::vector<Selected> selected;
  std::string arena;
  for (uint32_t ref : index_.Select(matchers)) {
    const MemSeries* s = by_ref_[ref];
    if (!s || s->first_partition > to || s->last_partition < from) continue;
    selected.push_back({arena.size(), s->labels.size(), s->id});
    arena += s->labels;
  }
  lock.unlock();
  auto encoded = [&](const Selected& s) {
    return std::string_view(arena).substr(s.offset, s.size);
  };
  std::sort(selected.begin(), selected.end(), [&](const Selected& a, const Selected& b) {
    return EncodedLess(encoded(a), encoded(b));
  });
  out.reserve(selected.size());
  for (const Selected& s : selected) {
    auto labels = LabelSet::Decode(encoded(s));
    if (labels.ok()) out.push_back({s.id, *std::move(labels)});
  }
  return out;
}

bool RocksStore::AnyWithDataIn(std::span<const uint32_t> refs, uint32_t from, uint32_t to) const {
  return std::any_of(refs.begin(), refs.end(), [&](uint32_t ref) {
    const MemSeries* s = by_ref_[ref];
    return s && s->first_partition <= to && s->last_partition >= from;
  });
}

std::vector<std::string> RocksStore::SeriesLabelNames(std::span<const SeriesMatcher> matchers,
                                                      int64_t mint_ms, int64_t maxt_ms) const {
  std::set<std::string, std::less<>> names;
  if (!matchers.empty()) {
    for (const SeriesRef& s : SelectSeries(matchers, mint_ms, maxt_ms)) {
      for (const Label& l : s.labels.labels()) names.insert(l.name);
    }
    return {names.begin(), names.end()};
  }
  if (mint_ms > maxt_ms) return {};
  uint32_t from = SeriesPartitionOf(mint_ms), to = SeriesPartitionOf(maxt_ms);
  std::shared_lock lock(index_mu_);
  index_.ForEachName([&](std::string_view name, std::span<const uint32_t> refs) {
    if (AnyWithDataIn(refs, from, to)) names.emplace(name);
  });
  return {names.begin(), names.end()};
}

std::vector<std::string> RocksStore::SeriesLabelValues(std::string_view name,
                                                       std::span<const SeriesMatcher> matchers,
                                                       int64_t mint_ms, int64_t maxt_ms) const {
  std::set<std::string, std::less<>> values;
  if (!matchers.empty()) {
    for (const SeriesRef& s : SelectSeries(matchers, mint_ms, maxt_ms)) {
      std::string_view v = s.labels.Get(name);
      if (!v.empty()) values.emplace(v);
    }
    return {values.begin(), values.end()};
  }
  if (mint_ms > maxt_ms) return {};
  uint32_t from = SeriesPartitionOf(mint_ms), to = SeriesPartitionOf(maxt_ms);
  std::shared_lock lock(index_mu_);
  index_.ForEachValue(name, [&](std::string_view value, std::span<const uint32_t> refs) {
    if (AnyWithDataIn(refs, from, to)) values.emplace(value);
  });
  return {values.begin(), values.end()};
}

std::vector<uint32_t> RocksStore::SeriesPartitions() const {
  std::lock_guard lock(partitions_mu_);
  return {series_partitions_.begin(), series_partitions_.end()};
}

}  // namespace vigie::store
