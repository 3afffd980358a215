// Graphite's plaintext protocol, as carbon reads it: one metric per line,
//   <path> <value> <timestamp>
// separated by spaces or tabs, the path optionally tagged ("disk.used;dc=par;host=web1", tags
// as carbon 1.1 takes them), the timestamp in Unix seconds (a fraction allowed), -1 or N for
// "now". A value that is not a number (or is NaN: carbon drops those too) is refused.
//
// Thread safety: stateless; the views in GraphiteLine point into the parsed line.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::collector {

struct GraphiteLine {
  std::string_view path;                                            // Without its tags.
  std::vector<std::pair<std::string_view, std::string_view>> tags;  // Name, value.
  double value = 0;
  int64_t ts_ms = 0;
};

// Parses one line (without its '\n'; a trailing '\r' is ignored) into `out`, reusing its
// storage; `now_ms` stands for -1 and N. Returns null, or why the line is malformed. An empty
// (or blank) line sets an empty path and is not malformed.
const char* ParseGraphiteLine(std::string_view line, int64_t now_ms, GraphiteLine* out);

}  // namespace vigie::collector
