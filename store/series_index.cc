#include "store/series_index.h"

#include <algorithm>

#include "common/varint.h"

namespace vigie::store {

bool ForEachEncodedLabel(std::string_view encoded,
                         const std::function<void(std::string_view, std::string_view)>& fn) {
  while (!encoded.empty()) {
    uint64_t n = 0, v = 0;
    if (!GetVarint(&encoded, &n) || n > encoded.size()) return false;
    std::string_view name = encoded.substr(0, n);
    encoded.remove_prefix(n);
    if (!GetVarint(&encoded, &v) || v > encoded.size()) return false;
    fn(name, encoded.substr(0, v));
    encoded.remove_prefix(v);
  }
  return true;
}

void SeriesIndex::Add(uint32_t ref, std::string_view encoded_labels) {
  ForEachEncodedLabel(encoded_labels, [&](std::string_view name, std::string_view value) {
    auto n = names_.find(name);
    if (n == names_.end()) n = names_.emplace(std::string(name), Values()).first;
    auto v = n->second.find(value);
    if (v == n->second.end()) v = n->second.emplace(std::string(value), Postings()).first;
    v->second.push_back(ref);
  });
  all_.push_back(ref);
}

void SeriesIndex::Remove(uint32_t ref, std::string_view encoded_labels) {
  auto erase = [ref](Postings& p) {
    auto it = std::lower_bound(p.begin(), p.end(), ref);
    if (it != p.end() && *it == ref) p.erase(it);
  };
  ForEachEncodedLabel(encoded_labels, [&](std::string_view name, std::string_view value) {
    auto n = names_.find(name);
    if (n == names_.end()) return;
    auto v = n->second.find(value);
    if (v == n->second.end()) return;
    erase(v->second);
    if (v->second.empty()) n->second.erase(v);
    if (n->second.empty()) names_.erase(n);
  });
  erase(all_);
}

SeriesIndex::Postings SeriesIndex::Union(const Values& values, const SeriesMatcher& m, bool want) {
  Postings out;
  if (want && m.equals) {
    auto it = values.find(*m.equals);
    if (it != values.end()) out = it->second;
    return out;
  }
  size_t lists = 0;
  for (const auto& [value, refs] : values) {
    if (m.accept(value) != want) continue;
    out.insert(out.end(), refs.begin(), refs.end());
    ++lists;
  }
  // A series has one value per label: the lists are disjoint, only their order needs fixing.
  if (lists > 1) std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> SeriesIndex::Select(std::span<const SeriesMatcher> matchers) const {
  static const Values kNoValues;
  std::vector<Postings> positive, negative;
  for (const SeriesMatcher& m : matchers) {
    auto n = names_.find(m.name);
    const Values& values = n == names_.end() ? kNoValues : n->second;
    if (m.accept("")) {
      // Selects the series without the label too: every series but those with a rejected value.
      negative.push_back(Union(values, m, false));
    } else {
      positive.push_back(Union(values, m, true));
    }
  }
  // Smallest first: each intersection is then at most as long as the smallest list.
  std::sort(positive.begin(), positive.end(),
            [](const Postings& a, const Postings& b) { return a.size() < b.size(); });
  Postings result = positive.empty() ? all_ : std::move(positive.front());
  for (size_t i = 1; i < positive.size() && !result.empty(); ++i) {
    result = Intersect(result, positive[i]);
  }
  for (const Postings& n : negative) {
    if (result.empty()) break;
    result = Subtract(result, n);
  }
  return result;
}

void SeriesIndex::ForEachName(
    const std::function<void(std::string_view, std::span<const uint32_t>)>& fn) const {
  for (const auto& [name, values] : names_) {
    if (values.size() == 1) {
      fn(name, values.begin()->second);
      continue;
    }
    Postings refs;
    for (const auto& [value, p] : values) refs.insert(refs.end(), p.begin(), p.end());
    std::sort(refs.begin(), refs.end());
    fn(name, refs);
  }
}

void SeriesIndex::ForEachValue(
    std::string_view name,
    const std::function<void(std::string_view, std::span<const uint32_t>)>& fn) const {
  auto n = names_.find(name);
  if (n == names_.end()) return;
  for (const auto& [value, refs] : n->second) fn(value, refs);
}

size_t SeriesIndex::MemoryBytes() const {
  constexpr size_t kMapNode = 64;  // A std::map node's pointers and colour, with the key string.
  size_t bytes = all_.capacity() * sizeof(uint32_t);
  for (const auto& [name, values] : names_) {
    bytes += kMapNode + name.capacity();
    for (const auto& [value, refs] : values) {
      bytes += kMapNode + sizeof(Postings) + value.capacity() + refs.capacity() * sizeof(uint32_t);
    }
  }
  return bytes;
}

std::vector<uint32_t> Intersect(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  std::vector<uint32_t> out;
  if (a.size() > b.size()) std::swap(a, b);
  out.reserve(a.size());
  // Galloping through the longer list: a selective matcher costs log(len) per hit, not len.
  auto from = b.begin();
  for (uint32_t x : a) {
    from = std::lower_bound(from, b.end(), x);
    if (from == b.end()) break;
    if (*from == x) out.push_back(x);
  }
  return out;
}

std::vector<uint32_t> Subtract(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  std::vector<uint32_t> out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace vigie::store
