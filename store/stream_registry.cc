#include "store/stream_registry.h"

#include <algorithm>
#include <mutex>

namespace vigie::store {

StreamRegistry::Lookup StreamRegistry::Check(StreamId id, const LabelSet& labels) const {
  std::shared_lock lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return Lookup::kNew;
  return it->second == labels ? Lookup::kKnown : Lookup::kCollision;
}

bool StreamRegistry::Present(uint32_t partition, StreamId id) const {
  std::shared_lock lock(mu_);
  auto it = presence_.find(partition);
  return it != presence_.end() && it->second.contains(id);
}

std::optional<uint32_t> StreamRegistry::NewestPartition(StreamId id) const {
  std::shared_lock lock(mu_);
  auto it = partitions_of_.find(id);
  if (it == partitions_of_.end() || it->second.empty()) return std::nullopt;
  return *it->second.rbegin();
}

void StreamRegistry::AddStream(StreamId id, LabelSet labels) {
  std::unique_lock lock(mu_);
  if (streams_.contains(id)) return;
  for (const Label& l : labels.labels()) index_[l.name][l.value].push_back(id);
  streams_.emplace(id, std::move(labels));
}

void StreamRegistry::AddPresence(uint32_t partition, StreamId id) {
  std::unique_lock lock(mu_);
  presence_[partition].insert(id);
  partitions_of_[id].insert(partition);
}

std::vector<StreamId> StreamRegistry::DropPartitionsBelow(uint32_t limit) {
  std::unique_lock lock(mu_);
  std::vector<StreamId> orphans;
  while (!presence_.empty() && presence_.begin()->first < limit) {
    uint32_t partition = presence_.begin()->first;
    for (StreamId id : presence_.begin()->second) {
      auto& parts = partitions_of_[id];
      parts.erase(partition);
      if (parts.empty()) {
        partitions_of_.erase(id);
        orphans.push_back(id);
      }
    }
    presence_.erase(presence_.begin());
  }
  return orphans;
}

void StreamRegistry::RemoveStream(StreamId id) {
  std::unique_lock lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  for (const Label& l : it->second.labels()) {
    auto& by_value = index_[l.name];
    auto& ids = by_value[l.value];
    std::erase(ids, id);
    if (ids.empty()) by_value.erase(l.value);
    if (by_value.empty()) index_.erase(l.name);
  }
  streams_.erase(it);
}

std::optional<LabelSet> StreamRegistry::Labels(StreamId id) const {
  std::shared_lock lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return std::nullopt;
  return it->second;
}

bool StreamRegistry::PresentInLocked(StreamId id, uint32_t first, uint32_t last) const {
  auto it = partitions_of_.find(id);
  if (it == partitions_of_.end()) return false;
  auto p = it->second.lower_bound(first);
  return p != it->second.end() && *p <= last;
}

std::vector<StreamId> StreamRegistry::StreamsWhere(std::string_view name,
                                                   const ValuePredicate& accept,
                                                   uint32_t first_partition,
                                                   uint32_t last_partition) const {
  std::shared_lock lock(mu_);
  std::vector<StreamId> out;
  auto by_value = index_.find(name);
  if (by_value == index_.end()) return out;
  for (const auto& [value, ids] : by_value->second) {
    if (!accept(value)) continue;
    for (StreamId id : ids) {
      if (PresentInLocked(id, first_partition, last_partition)) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void StreamRegistry::ForEachStream(uint32_t first_partition, uint32_t last_partition,
                                   const std::function<void(const LabelSet&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, labels] : streams_) {
    if (PresentInLocked(id, first_partition, last_partition)) fn(labels);
  }
}

std::vector<uint32_t> StreamRegistry::Partitions() const {
  std::shared_lock lock(mu_);
  std::vector<uint32_t> out;
  for (const auto& [p, ids] : presence_) out.push_back(p);
  return out;
}

size_t StreamRegistry::stream_count() const {
  std::shared_lock lock(mu_);
  return streams_.size();
}

}  // namespace vigie::store
