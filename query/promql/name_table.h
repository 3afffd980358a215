// Constant tables of PromQL entries (functions, their implementations) looked up by name.
// An entry is any type with a `std::string_view name` member; a table is sorted by name, which
// IsSortedByName checks at compile time.
//
// Thread safety: pure functions over immutable data.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>

namespace vigie::promql {

template <typename Entry, size_t N>
constexpr bool IsSortedByName(const Entry (&table)[N]) {
  return std::is_sorted(std::begin(table), std::end(table),
                        [](const Entry& a, const Entry& b) { return a.name < b.name; });
}

// The entry called `name` (case-sensitive), or nullptr.
template <typename Entry, size_t N>
const Entry* FindByName(const Entry (&table)[N], std::string_view name) {
  const Entry* end = std::end(table);
  const Entry* it = std::lower_bound(std::begin(table), end, name,
                                     [](const Entry& e, std::string_view n) { return e.name < n; });
  return it != end && it->name == name ? it : nullptr;
}

}  // namespace vigie::promql
