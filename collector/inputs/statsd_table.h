// The StatsD aggregator's index of its metrics: a dense table of every metric's hot state (the
// hash and bytes of its key, its totals and last time), found by an open-addressing hash index
// of 8-byte slots. A line's metric is then found in two cache lines that can be fetched ahead:
// its slot, and its record (which holds the key compared and the totals added to), instead of
// the scattered hash-map node, key string and heap object of a node-based map. What a flush
// alone reads (labels, series handles, set members) stays outside, in the aggregator, at the
// same index.
//
// A key is the type code, the name, '\0' and the tags of a line's value (StatsdAggregator).
// Indexes are dense ([0, size())) and stable until Compact.
//
// Thread safety: none (the aggregator's).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::collector {

// What adding a value to a metric touches.
struct StatsdTotals {
  int64_t last_value_ms = 0;
  double value = 0;            // A counter's total, a gauge's value.
  double sum = 0, count = 0;   // A summary's totals since the start.
  std::vector<double> values;  // A summary's values in this flush.
};

class StatsdTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  static uint64_t Hash(std::string_view key);

  size_t size() const { return records_.size(); }
  StatsdTotals& totals(uint32_t index) { return records_[index].totals; }
  const StatsdTotals& totals(uint32_t index) const { return records_[index].totals; }

  // Asks the CPU to fetch the first slot `hash` probes (a hint: no effect on results).
  void PrefetchSlot(uint64_t hash) const;
  // The first record whose hash matches `hash`'s slot tag, or kNone; fetches it ahead. A hint:
  // the caller checks it with Matches, and falls back to Find.
  uint32_t Candidate(uint64_t hash) const;
  bool Matches(uint32_t index, std::string_view key, uint64_t hash) const;

  // The index of `key`, or kNone.
  uint32_t Find(std::string_view key, uint64_t hash) const;
  // Adds `key` (not present), with zero totals; returns its index, size() - 1.
  uint32_t Insert(std::string_view key, uint64_t hash);

  // Removes the records whose `drop[i]` is true, keeping the order of the others (indexes
  // shift down). `drop` has size() entries.
  void Compact(const std::vector<bool>& drop);

 private:
  // One cache-line pair, fetched together: hash, totals, then as much of the key as fits.
  struct alignas(64) Record {
    static constexpr size_t kInlineKeyBytes = 63;
    uint64_t hash = 0;
    StatsdTotals totals;
    uint8_t key_size = 0;  // Inline bytes; a longer key is in long_keys_ and this is 0.
    char key[kInlineKeyBytes];
  };
  static_assert(sizeof(Record) == 128);

  std::string_view KeyOf(uint32_t index) const;
  void Place(uint64_t hash, uint32_t index);
  void Rebuild(size_t capacity);

  std::vector<Record> records_;
  std::vector<std::string> long_keys_;  // Beside records_: a key over kInlineKeyBytes, else "".
  // (hash >> 32) << 32 | (index + 1); 0 is empty. Linear probing, at most half full.
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;
};

}  // namespace vigie::collector
