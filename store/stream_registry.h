// The in-memory mirror of the streams, label index and stream-presence column families, rebuilt
// at open. It answers selector lookups without touching disk; the column families are the truth.
//
// Thread safety: all methods may be called concurrently (a shared mutex inside).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/labels.h"
#include "store/store.h"

namespace vigie::store {

class StreamRegistry {
 public:
  enum class Lookup { kNew, kKnown, kCollision };
  // Whether `id` is unknown, known with these labels, or known with other labels.
  Lookup Check(StreamId id, const LabelSet& labels) const;
  bool Present(uint32_t partition, StreamId id) const;
  // The newest partition holding data of `id`, if any.
  std::optional<uint32_t> NewestPartition(StreamId id) const;

  void AddStream(StreamId id, LabelSet labels);
  void AddPresence(uint32_t partition, StreamId id);
  // Forgets partitions below `limit`; returns the streams left with no partition.
  std::vector<StreamId> DropPartitionsBelow(uint32_t limit);
  void RemoveStream(StreamId id);

  std::optional<LabelSet> Labels(StreamId id) const;
  std::vector<StreamId> StreamsWhere(std::string_view name, const ValuePredicate& accept,
                                     uint32_t first_partition, uint32_t last_partition) const;
  // Calls `fn` for each stream present in [first, last] partitions, once per stream.
  void ForEachStream(uint32_t first_partition, uint32_t last_partition,
                     const std::function<void(const LabelSet&)>& fn) const;
  std::vector<uint32_t> Partitions() const;
  size_t stream_count() const;

 private:
  bool PresentInLocked(StreamId id, uint32_t first, uint32_t last) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<StreamId, LabelSet> streams_;
  // name → value → streams.
  std::map<std::string, std::map<std::string, std::vector<StreamId>, std::less<>>, std::less<>>
      index_;
  std::map<uint32_t, std::set<StreamId>> presence_;
  std::unordered_map<StreamId, std::set<uint32_t>> partitions_of_;
};

}  // namespace vigie::store
