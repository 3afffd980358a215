// RocksStore's metric series: the head (open chunks and out-of-order buffers, made durable by
// the series log, rocks_series_log.cc), chunk cutting, loading, retention. The reading side is
// rocks_series_query.cc. docs/storage-format.md, "Series", describes the keys and invariants.
#include <algorithm>
#include <bit>
#include <tuple>

#include "common/strings.h"
#include "common/varint.h"
#include "rocksdb/convenience.h"
#include "rocksdb/write_batch.h"
#include "store/rocks_store.h"
#include "store/series_format.h"

namespace vigie::store {

namespace {

constexpr int64_t kSweepEveryMs = 60'000;  // Of sample time, per shard.
constexpr int64_t kMinTs = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTs = std::numeric_limits<int64_t>::max();

int64_t Saturate(__int128 v) {
  return static_cast<int64_t>(std::clamp<__int128>(v, kMinTs, kMaxTs));
}

__int128 FloorDiv(__int128 a, int64_t b) {
  __int128 q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::string SeqValue(uint64_t seq) {
  std::string v;
  PutBigEndian64(&v, seq);
  return v;
}

}  // namespace

int64_t MemSeries::head_newest() const {
  int64_t t = chunk.empty() ? kMinTs : chunk.last_ts();
  if (ooo && !ooo->empty()) t = std::max(t, ooo->back().ts_ms);
  return t;
}

uint32_t RocksStore::SeriesPartitionOf(int64_t ts_ms) const {
  return static_cast<uint32_t>(std::clamp<__int128>(FloorDiv(ts_ms, partition_ms_), 0, UINT32_MAX));
}

int64_t RocksStore::PartitionStartMs(uint32_t partition) const {
  return partition == 0 ? kMinTs : Saturate(static_cast<__int128>(partition) * partition_ms_);
}

int64_t RocksStore::WindowStart(int64_t ts_ms) const {
  int64_t aligned = Saturate(FloorDiv(ts_ms, kChunkWindowMs) * kChunkWindowMs);
  return std::max(aligned, PartitionStartMs(SeriesPartitionOf(ts_ms)));
}

int64_t RocksStore::WindowEnd(int64_t ts_ms) const {
  int64_t aligned = Saturate(FloorDiv(ts_ms, kChunkWindowMs) * kChunkWindowMs + kChunkWindowMs);
  uint32_t p = SeriesPartitionOf(ts_ms);
  return p == UINT32_MAX ? aligned : std::min(aligned, PartitionStartMs(p + 1));
}

MemSeries* RocksStore::AddSeries(SeriesShard& shard, SeriesId id, std::string_view labels) {
  auto s = std::make_unique<MemSeries>();
  s->id = id;
  s->labels = labels;
  MemSeries* added = s.get();
  {
    std::unique_lock index_lock(index_mu_);
    s->ref = static_cast<uint32_t>(by_ref_.size());
    by_ref_.push_back(added);
    index_.Add(s->ref, s->labels);
  }
  shard.series.emplace(id, std::move(s));
  return added;
}

absl::Status RocksStore::LoadSeries() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, families_[kSeries]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SeriesId id = DecodeStreamKey(it->key().ToStringView());
    AddSeries(shards_[ShardOf(id)], id, it->value().ToStringView());
  }
  if (auto st = FromRocks(it->status(), "loading the series"); !st.ok()) return st;

  it.reset(db_->NewIterator({}, families_[kSeriesPresence]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k = it->key().ToStringView();
    if (k.size() != 12) continue;
    uint32_t partition = GetBigEndian32(k.data());
    SeriesId id = GetBigEndian64(k.data() + 4);
    series_partitions_.insert(partition);
    auto& shard = shards_[ShardOf(id)];
    auto s = shard.series.find(id);
    if (s == shard.series.end()) continue;
    s->second->first_partition = std::min(s->second->first_partition, partition);
    s->second->last_partition = std::max(s->second->last_partition, partition);
  }
  if (auto st = FromRocks(it->status(), "loading the series partitions"); !st.ok()) return st;

  FlushMarks flushed;
  it.reset(db_->NewIterator({}, families_[kSeriesFlushed]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8 || it->value().size() != 8) continue;
    SeriesId id = DecodeStreamKey(it->key().ToStringView());
    uint64_t seq = GetBigEndian64(it->value().data());
    flushed[id] = seq;
    SeriesShard& shard = shards_[ShardOf(id)];
    shard.next_seq = std::max(shard.next_seq, seq + 1);
  }
  if (auto st = FromRocks(it->status(), "loading the series flush marks"); !st.ok()) return st;
  if (auto st = UpgradeHeadLog(flushed); !st.ok()) return st;
  return ReplaySeriesLog(flushed);
}

void RocksStore::LearnNewest(MemSeries& s) const {
  if (s.newest_known) return;
  s.newest_known = true;
  if (s.first_partition > s.last_partition) return;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, families_[kSeriesChunks]));
  std::vector<Sample> samples;
  // The newest sample is in the newest window holding chunks: chunks never span two windows.
  for (uint32_t p = s.last_partition;; --p) {
    std::string prefix = PartitionStreamKey(p, s.id);
    bool found = false;
    int64_t window = kMinTs;
    for (it->SeekForPrev(ChunkKey(p, s.id, kMaxTs)); it->Valid() && it->key().starts_with(prefix);
         it->Prev()) {
      ChunkKeyParts key;
      if (!DecodeChunkKey(it->key().ToStringView(), &key)) continue;
      if (found && key.min_ts < window) break;
      if (!found) window = WindowStart(key.min_ts);
      found = true;
      samples.clear();
      DecodeChunk(it->value().ToStringView(), kMinTs, kMaxTs, &samples).IgnoreError();
      for (const Sample& x : samples) {
        if (!s.any || x.ts_ms > s.newest_ts) {
          s.newest_ts = x.ts_ms;
          s.newest_bits = std::bit_cast<uint64_t>(x.value);
          s.any = true;
        }
      }
    }
    if (found || p <= s.first_partition) break;
  }
}

std::optional<uint64_t> RocksStore::ValueAt(const SeriesShard& shard, const MemSeries& s,
                                            int64_t ts_ms) const {
  std::vector<Sample> found;
  if (!s.chunk.empty() && ts_ms >= s.chunk.first_ts()) {
    DecodeChunk(s.chunk.bytes(), ts_ms, ts_ms, &found).IgnoreError();
  }
  if (s.ooo) {
    auto it = std::lower_bound(s.ooo->begin(), s.ooo->end(), ts_ms,
                               [](const Sample& a, int64_t t) { return a.ts_ms < t; });
    if (it != s.ooo->end() && it->ts_ms == ts_ms) found.push_back(*it);
  }
  auto [begin, end] = shard.pending.equal_range(s.id);
  for (auto p = begin; p != end; ++p) {
    DecodeChunk(p->second.bytes, ts_ms, ts_ms, &found).IgnoreError();
  }
  // Chunks written hold only samples older than the open chunk's first.
  if (found.empty() && (s.chunk.empty() || ts_ms < s.chunk.first_ts())) {
    uint32_t p = SeriesPartitionOf(ts_ms);
    ReadChunks(s.id, p, p, ts_ms, ts_ms, &found).IgnoreError();
  }
  if (found.empty()) return std::nullopt;
  return std::bit_cast<uint64_t>(found.front().value);
}

void RocksStore::NotePartition(MemSeries& s, uint32_t partition, rocksdb::WriteBatch* batch) {
  if (partition >= s.first_partition && partition <= s.last_partition) return;
  batch->Put(families_[kSeriesPresence], PartitionStreamKey(partition, s.id), "");
  {
    std::unique_lock lock(index_mu_);
    s.first_partition = std::min(s.first_partition, partition);
    s.last_partition = std::max(s.last_partition, partition);
  }
  std::lock_guard lock(partitions_mu_);
  series_partitions_.insert(partition);
}

void RocksStore::AppendSample(SeriesShard& shard, MemSeries& s, const Sample& sample, uint64_t seq,
                              rocksdb::WriteBatch* batch, SeriesAppendResult* result,
                              std::vector<Sample>* kept) {
  uint64_t bits = std::bit_cast<uint64_t>(sample.value);
  auto refuse = [&](uint64_t* counter, std::string_view why) {
    ++*counter;
    if (result->reason.empty()) {
      result->reason = StrCat("series ", DescribeEncodedLabels(s.labels), ": sample at ",
                              sample.ts_ms, " ms ", why, "; refused");
    }
  };
  auto same_value = [&](uint64_t stored) {
    if (stored == bits) {
      ++result->accepted;
      ++result->duplicates;
    } else {
      refuse(&result->conflicts, "has the timestamp of a stored sample with another value");
    }
  };
  if (!s.any || sample.ts_ms > s.newest_ts) {
    if (!s.chunk.empty() && (sample.ts_ms >= s.window_end || s.chunk.size() >= kChunkSamples)) {
      FlushHead(shard, s, seq, batch);
    }
    if (s.chunk.empty()) s.window_end = WindowEnd(sample.ts_ms);
    s.chunk.Append(sample.ts_ms, sample.value);
    s.newest_ts = sample.ts_ms;
    s.newest_bits = bits;
    s.any = true;
  } else if (sample.ts_ms == s.newest_ts) {
    return same_value(s.newest_bits);
  } else {
    uint64_t age = static_cast<uint64_t>(s.newest_ts) - static_cast<uint64_t>(sample.ts_ms);
    if (age > static_cast<uint64_t>(std::max<int64_t>(options_.out_of_order_window_ms, 0))) {
      return refuse(&result->out_of_order, StrCat("is older than the series' newest (", s.newest_ts,
                                                  " ms) by more than the out-of-order window (",
                                                  options_.out_of_order_window_ms, " ms)"));
    }
    if (std::optional<uint64_t> stored = ValueAt(shard, s, sample.ts_ms)) {
      return same_value(*stored);
    }
    if (!s.ooo) s.ooo = std::make_unique<std::vector<Sample>>();
    auto at = std::upper_bound(s.ooo->begin(), s.ooo->end(), sample.ts_ms,
                               [](int64_t t, const Sample& a) { return t < a.ts_ms; });
    s.ooo->insert(at, sample);
  }
  ++result->accepted;
  kept->push_back(sample);
  NotePartition(s, SeriesPartitionOf(sample.ts_ms), batch);
  if (int64_t now = data_now_.load(std::memory_order_relaxed); sample.ts_ms > now) {
    data_now_.compare_exchange_weak(now, sample.ts_ms, std::memory_order_relaxed);
  }
  if (s.ooo && s.ooo->size() >= kChunkSamples) FlushHead(shard, s, seq, batch);
}

void RocksStore::FlushHead(SeriesShard& shard, MemSeries& s, uint64_t seq,
                           rocksdb::WriteBatch* batch) {
  // The chunks of `s` an earlier commit cut but has not written yet go in this batch too, and
  // each chunk with its partition's presence, so that this batch holds everything its flush
  // mark promises even if it reaches RocksDB before the earlier one (and that one is lost).
  auto [first_pending, end_pending] = shard.pending.equal_range(s.id);
  for (auto p = first_pending; p != end_pending; ++p) {
    ChunkKeyParts key;
    if (!DecodeChunkKey(p->second.key, &key)) continue;
    batch->Put(families_[kSeriesPresence], PartitionStreamKey(key.partition, s.id), "");
    batch->Put(families_[kSeriesChunks], p->second.key, p->second.bytes);
  }
  auto put = [&](const ChunkAppender& chunk) {
    uint32_t partition = SeriesPartitionOf(chunk.first_ts());
    if (partition < min_live_partition_.load()) return;  // Retention dropped it meanwhile.
    std::string key = ChunkKey(partition, s.id, chunk.first_ts());
    batch->Put(families_[kSeriesPresence], PartitionStreamKey(partition, s.id), "");
    batch->Put(families_[kSeriesChunks], key, chunk.bytes());
    shard.pending.emplace(s.id, PendingChunk{seq, std::move(key), chunk.bytes()});
  };
  if (!s.chunk.empty()) put(s.chunk);
  if (s.ooo) {
    // Out-of-order samples become chunks of their own windows; reads merge overlapping chunks.
    ChunkAppender group;
    int64_t group_end = 0;
    for (const Sample& x : *s.ooo) {
      if (!group.empty() && (x.ts_ms >= group_end || group.size() >= kChunkSamples)) {
        put(group);
        group.Reset();
      }
      if (group.empty()) group_end = WindowEnd(x.ts_ms);
      group.Append(x.ts_ms, x.value);
    }
    if (!group.empty()) put(group);
  }
  batch->Put(families_[kSeriesFlushed], StreamKey(s.id), SeqValue(seq));
  s.chunk.Reset();
  s.ooo.reset();
}

void RocksStore::MaybeSweep(rocksdb::WriteBatch* batch,
                            std::vector<std::pair<uint32_t, uint64_t>>* tokens) {
  int64_t now = data_now_.load();
  int64_t due = next_sweep_.load();
  if (now < due) return;
  // One commit sweeps; the others go on.
  if (!next_sweep_.compare_exchange_strong(due,
                                           Saturate(static_cast<__int128>(now) + kSweepEveryMs))) {
    return;
  }
  for (uint32_t k = 0; k < kSeriesShards; ++k) {
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    uint64_t seq = shard.next_seq++;
    size_t pending_before = shard.pending.size();
    for (auto& [id, series] : shard.series) {
      MemSeries& s = *series;
      if (s.head_empty()) continue;
      __int128 idle_after =
          static_cast<__int128>(WindowEnd(s.head_newest())) + options_.out_of_order_window_ms;
      if (now >= idle_after) FlushHead(shard, s, seq, batch);
    }
    if (shard.pending.size() != pending_before) tokens->emplace_back(k, seq);
  }
}

absl::Status RocksStore::CommitSeries(const PreparedAppend& prepared, const CommitCheck& check,
                                      rocksdb::WriteBatch* batch, SeriesAppendResult* result,
                                      std::vector<std::pair<uint32_t, uint64_t>>* tokens,
                                      uint64_t* log_ticket) {
  if (prepared.series.empty()) return absl::OkStatus();
  const SeriesBatch& series = prepared.series;
  struct Item {
    uint32_t shard;
    SeriesId id;
    size_t index;  // In `series`.
  };
  std::vector<Item> items;
  items.reserve(series.size());
  for (size_t i = 0; i < series.size(); ++i)
    items.push_back({ShardOf(series.Id(i)), series.Id(i), i});
  // By shard, and a series given twice in one request processed as one, its parts in request
  // order (the index breaks ties) so that equal timestamps apply in the order they were sent.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.shard, a.id, a.index) < std::tie(b.shard, b.id, b.index);
  });
  auto labels_of = [&](const Item& item) { return series.Labels(item.index); };
  auto samples_of = [&](const Item& item) { return series.Samples(item.index); };
  std::string parts, created, record;
  std::vector<Sample> kept, merged;
  for (size_t i = 0; i < items.size();) {
    uint32_t k = items[i].shard;
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    // Taken under the lock: a series' log records are in the order their samples were applied.
    uint64_t seq = shard.next_seq++;
    size_t pending_before = shard.pending.size();
    parts.clear();
    created.clear();
    size_t created_count = 0;
    while (i < items.size() && items[i].shard == k) {
      SeriesId id = items[i].id;
      std::string_view labels = labels_of(items[i]);
      // The items of this series: one, or more when a request repeats it.
      size_t end = i + 1;
      while (end < items.size() && items[end].id == id) ++end;
      MemSeries* s = nullptr;
      auto found = shard.series.find(id);
      if (found == shard.series.end()) {
        s = AddSeries(shard, id, labels);
        s->newest_known = true;  // Nothing stored yet.
        batch->Put(families_[kSeries], StreamKey(id), labels);
        AppendCreatedSeries(id, labels, &created);
        ++created_count;
      } else if (found->second->labels != labels) {
        for (; i < end; ++i) result->collisions += samples_of(items[i]).size();
        if (result->reason.empty()) {
          result->reason = StrCat("series ", DescribeEncodedLabels(labels),
                                  " collides with another series' id; not stored");
        }
        continue;
      } else {
        s = found->second.get();
      }
      LearnNewest(*s);
      kept.clear();
      std::span<const Sample> samples = samples_of(items[i]);
      if (end > i + 1) {
        merged.clear();
        for (size_t j = i; j < end; ++j) {
          std::span<const Sample> more = samples_of(items[j]);
          merged.insert(merged.end(), more.begin(), more.end());
        }
        std::stable_sort(merged.begin(), merged.end(),
                         [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; });
        samples = merged;
      }
      i = end;
      for (const Sample& sample : samples) {
        AppendSample(shard, *s, sample, seq, batch, result, &kept);
      }
      if (!kept.empty()) AppendHeadRecord(id, kept, &parts);
    }
    // Enqueued under the shard's lock: the log holds a shard's records in head sequence order.
    if (!parts.empty() || created_count > 0) {
      record.clear();
      BeginSamplesRecord(k, seq, check, created_count, created, &record);
      record += parts;
      *log_ticket = wal_->Enqueue(record);
    }
    if (shard.pending.size() != pending_before) tokens->emplace_back(k, seq);
  }
  MaybeSweep(batch, tokens);
  return absl::OkStatus();
}

void RocksStore::ClearPending(std::span<const std::pair<uint32_t, uint64_t>> tokens) {
  for (const auto& [k, token] : tokens) {
    uint64_t seq = token;
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    if (std::erase_if(shard.pending, [seq](const auto& p) { return p.second.token == seq; })) {
      shard.cleared_epoch = chunks_cleared_.fetch_add(1) + 1;
    }
  }
}

void RocksStore::DropSeriesBelow(uint32_t limit, rocksdb::WriteBatch* batch) {
  if (limit > min_live_partition_.load()) min_live_partition_.store(limit);
  std::string begin = PartitionKey(0), end = PartitionKey(limit);
  batch->DeleteRange(families_[kSeriesPresence], begin, end);
  batch->DeleteRange(families_[kSeriesChunks], begin, end);
  for (uint32_t k = 0; k < kSeriesShards; ++k) {
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    std::unique_lock index_lock(index_mu_);
    for (auto it = shard.series.begin(); it != shard.series.end();) {
      MemSeries& s = *it->second;
      if (s.first_partition <= s.last_partition && s.last_partition >= limit) {
        s.first_partition = std::max(s.first_partition, limit);
        ++it;
        continue;
      }
      // No data left: forget the series. Its log records, if any, are skipped at replay.
      batch->Put(families_[kSeriesFlushed], StreamKey(s.id), SeqValue(shard.next_seq++));
      batch->Delete(families_[kSeries], StreamKey(s.id));
      index_.Remove(s.ref, s.labels);
      by_ref_[s.ref] = nullptr;
      shard.pending.erase(s.id);
      shard.series.erase(it++);
    }
  }
  std::lock_guard lock(partitions_mu_);
  series_partitions_.erase(series_partitions_.begin(), series_partitions_.lower_bound(limit));
}

void RocksStore::SeriesStats(StoreStats* stats) const {
  // Per series beside its own struct and strings: the id map's slot (load 7/8), by_ref_.
  constexpr size_t kPerSeriesOverhead = 18 + 8;
  size_t bytes = 0;
  for (uint32_t k = 0; k < kSeriesShards; ++k) {
    SeriesShard& shard = shards_[k];
    std::lock_guard lock(shard.mu);
    stats->series += shard.series.size();
    for (const auto& [id, s] : shard.series) {
      bytes += sizeof(MemSeries) + kPerSeriesOverhead + s->labels.capacity() + s->chunk.capacity();
      if (s->ooo) bytes += sizeof(*s->ooo) + s->ooo->capacity() * sizeof(Sample);
      if (!s->head_empty()) ++stats->head_series;
    }
  }
  std::shared_lock lock(index_mu_);
  stats->head_bytes = bytes + index_.MemoryBytes();
}

}  // namespace vigie::store
