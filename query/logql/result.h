// What queries return: series of points for metric queries, and scan statistics.
#pragma once

#include <cstdint>
#include <vector>

#include "common/labels.h"
#include "query/logql/scan_cost.h"

namespace vigie::logql {

struct QueryStats {
  uint64_t streams = 0;
  uint64_t blocks = 0;
  uint64_t entries_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t blocks_skipped = 0;  // Ruled out by their n-gram filter without being read.
  bool truncated = false;       // Log queries: the limit left out entries that matched.
  // Where the scans' CPU went. A log query that stops at its limit counts the blocks its workers
  // read ahead too.
  ScanCost cost;
};

struct Point {
  int64_t ts_ns;
  double value;
};

struct Series {
  LabelSet labels;
  std::vector<Point> points;  // Ascending time.
};

}  // namespace vigie::logql
