// JSON bodies of the HTTP API in Loki's shapes: streams, matrix, vector, stats.
//
// Log lines are arbitrary bytes but JSON text is UTF-8: DumpJson() replaces each invalid UTF-8
// sequence by U+FFFD instead of failing, so a line that is not valid UTF-8 comes back altered
// over HTTP (the gRPC API returns its exact bytes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"
#include "nlohmann/json.hpp"
#include "query/logql/result.h"

namespace vigie::server::http {

// Compact serialisation; never throws (invalid UTF-8 is replaced, see above).
std::string DumpJson(const nlohmann::json& value);

// {"name": "value", ...}
nlohmann::json LabelsJson(const LabelSet& labels);

// Loki's "streams" result: entries grouped by stream, each stream's values in the order they
// were added ([["<ns>", "<line>"], ...]), streams in the order they first appeared.
class StreamsJson {
 public:
  void Add(const LabelSet& labels, int64_t ts_ns, std::string_view line);
  uint64_t entries() const { return entries_; }
  // The array of {"stream": {...}, "values": [...]}; leaves this object empty.
  nlohmann::json Take();

 private:
  std::map<LabelSet, size_t> index_;
  nlohmann::json streams_ = nlohmann::json::array();
  uint64_t entries_ = 0;
};

// A sample's time as Loki and Prometheus write it: a JSON number of seconds.
double UnixSeconds(int64_t ts_ns);

// Loki's "matrix" result: [{"metric": {...}, "values": [[<unix seconds>, "<value>"], ...]}].
nlohmann::json MatrixJson(const std::vector<logql::Series>& series);
// Loki's "vector" result at `at_ns`: the point of each series at that time (series without one
// are left out): [{"metric": {...}, "value": [<unix seconds>, "<value>"]}].
nlohmann::json VectorJson(const std::vector<logql::Series>& series, int64_t at_ns);
// A scalar result: [<unix seconds>, "<value>"].
nlohmann::json ScalarJson(double value, int64_t at_ns);

// Loki's "stats" object, with the figures vigie measures (the others are 0), and vigie's own
// under "vigie" (the CPU time of each phase of the scans).
nlohmann::json StatsJson(const logql::QueryStats& stats, double exec_seconds,
                         uint64_t entries_returned);

// {"status": "success", "data": {"resultType": type, "result": result, "stats": stats}}
nlohmann::json QueryResponseJson(std::string_view result_type, nlohmann::json result,
                                 nlohmann::json stats);

}  // namespace vigie::server::http
