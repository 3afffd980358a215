// Reads entries back from vigied through Query.Grep, for the collector's integration tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::collector::testing {

struct QueriedEntry {
  std::map<std::string, std::string> labels;
  int64_t ts_ns;
  std::string line;
};

// Every entry matching the LogQL `query` in [start_ns, end_ns), oldest first, fetched in
// pages (a page ends at some timestamp; the next starts at it and skips what was already seen
// at that timestamp).
// `token`, when set, goes as a bearer token; `ca_pem`, when set, turns TLS on.
absl::StatusOr<std::vector<QueriedEntry>> GrepAll(const std::string& address,
                                                  const std::string& query, int64_t start_ns,
                                                  int64_t end_ns, const std::string& token = "",
                                                  const std::string& ca_pem = "");

}  // namespace vigie::collector::testing
