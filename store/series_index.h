// The postings index of metric series: label name → value → sorted series refs (dense numbers
// given to series as they are created). Resolves SeriesMatcher lists by testing the values of
// each matcher's label, never every series, and intersecting sorted postings.
//
// Memory: each label name and value string is held once (as a map key), each series adds one
// u32 per label. Thread safety: none; the owner guards it (RocksStore's index mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/series.h"

namespace vigie::store {

// Calls fn(name, value) for each label of a LabelSet::Encode()d set, without decoding it. False
// when `encoded` is malformed.
bool ForEachEncodedLabel(std::string_view encoded,
                         const std::function<void(std::string_view, std::string_view)>& fn);

class SeriesIndex {
 public:
  // `ref` must be greater than every ref added before (postings stay sorted by appending).
  void Add(uint32_t ref, std::string_view encoded_labels);
  void Remove(uint32_t ref, std::string_view encoded_labels);

  // The refs of the series satisfying every matcher, sorted. With no matcher that rejects "",
  // starts from every series.
  std::vector<uint32_t> Select(std::span<const SeriesMatcher> matchers) const;
  // Calls fn(name) / fn(value) for each label name / each value of `name`, with the sorted refs
  // holding it.
  void ForEachName(
      const std::function<void(std::string_view name, std::span<const uint32_t> refs)>& fn) const;
  void ForEachValue(
      std::string_view name,
      const std::function<void(std::string_view value, std::span<const uint32_t> refs)>& fn) const;
  size_t size() const { return all_.size(); }
  // Approximate heap bytes held, for StoreStats::head_bytes.
  size_t MemoryBytes() const;

 private:
  using Postings = std::vector<uint32_t>;
  using Values = std::map<std::string, Postings, std::less<>>;
  // The union of the postings of the values of `values` that `accept` says `want` to.
  static Postings Union(const Values& values, const SeriesMatcher& m, bool want);

  std::map<std::string, Values, std::less<>> names_;
  Postings all_;
};

// Sorted-set helpers over sorted, distinct refs.
std::vector<uint32_t> Intersect(std::span<const uint32_t> a, std::span<const uint32_t> b);
std::vector<uint32_t> Subtract(std::span<const uint32_t> a, std::span<const uint32_t> b);

}  // namespace vigie::store
