// Where a query matched in a line, to colour it: the spans of the positive line filters (|= and
// |~) of a log query.
//
// Thread safety: const methods may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "re2/re2.h"

namespace vigie::cli {

class Highlighter {
 public:
  // No spans for an invalid or metric query, or one without positive line filters.
  explicit Highlighter(std::string_view query);

  // Sorted, disjoint [begin, end) byte ranges of `line`.
  std::vector<std::pair<size_t, size_t>> Spans(std::string_view line) const;

 private:
  std::vector<std::string> literals_;
  std::vector<std::shared_ptr<const re2::RE2>> regexes_;
};

}  // namespace vigie::cli
