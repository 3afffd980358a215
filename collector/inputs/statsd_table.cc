#include "collector/inputs/statsd_table.h"

#include <cstring>

#include "xxhash.h"

namespace vigie::collector {

namespace {

constexpr uint64_t kTagMask = 0xffffffff00000000ULL;
constexpr size_t kMinSlots = 1024;

uint64_t Tag(uint64_t hash) { return hash & kTagMask; }

}  // namespace

uint64_t StatsdTable::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void StatsdTable::PrefetchSlot(uint64_t hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
}

uint32_t StatsdTable::Candidate(uint64_t hash) const {
  if (slots_.empty()) return kNone;
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    uint64_t slot = slots_[i];
    if (slot == 0) return kNone;
    if (Tag(slot) == Tag(hash)) {
      uint32_t index = static_cast<uint32_t>(slot) - 1;
      const char* record = reinterpret_cast<const char*>(&records_[index]);
      __builtin_prefetch(record);
      __builtin_prefetch(record + 64);
      return index;
    }
  }
}

std::string_view StatsdTable::KeyOf(uint32_t index) const {
  const Record& r = records_[index];
  return r.key_size > 0 ? std::string_view(r.key, r.key_size) : long_keys_[index];
}

bool StatsdTable::Matches(uint32_t index, std::string_view key, uint64_t hash) const {
  return records_[index].hash == hash && KeyOf(index) == key;
}

uint32_t StatsdTable::Find(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return kNone;
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    uint64_t slot = slots_[i];
    if (slot == 0) return kNone;
    uint32_t index = static_cast<uint32_t>(slot) - 1;
    if (Tag(slot) == Tag(hash) && Matches(index, key, hash)) return index;
  }
}

uint32_t StatsdTable::Insert(std::string_view key, uint64_t hash) {
  uint32_t index = static_cast<uint32_t>(records_.size());
  Record& r = records_.emplace_back();
  r.hash = hash;
  if (key.size() <= Record::kInlineKeyBytes) {
    std::memcpy(r.key, key.data(), key.size());
    r.key_size = static_cast<uint8_t>(key.size());
    long_keys_.emplace_back();
  } else {
    long_keys_.emplace_back(key);
  }
  if (records_.size() * 2 > slots_.size()) {
    Rebuild(std::max(kMinSlots, slots_.size() * 2));
  } else {
    Place(hash, index);
  }
  return index;
}

void StatsdTable::Place(uint64_t hash, uint32_t index) {
  uint64_t i = hash & mask_;
  while (slots_[i] != 0) i = (i + 1) & mask_;
  slots_[i] = Tag(hash) | (uint64_t{index} + 1);
}

void StatsdTable::Rebuild(size_t capacity) {
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (uint32_t i = 0; i < records_.size(); ++i) Place(records_[i].hash, i);
}

void StatsdTable::Compact(const std::vector<bool>& drop) {
  size_t kept = 0;
  for (size_t i = 0; i < records_.size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) {
      records_[kept] = std::move(records_[i]);
      long_keys_[kept] = std::move(long_keys_[i]);
    }
    ++kept;
  }
  records_.resize(kept);
  long_keys_.resize(kept);
  if (!slots_.empty()) Rebuild(slots_.size());
}

}  // namespace vigie::collector
