#include "server/http/json_encode.h"

#include <utility>

#include "common/go_format.h"

namespace vigie::server::http {

double UnixSeconds(int64_t ts_ns) { return static_cast<double>(ts_ns) / 1e9; }

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json LabelsJson(const LabelSet& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const Label& l : labels.labels()) out[l.name] = l.value;
  return out;
}

void StreamsJson::Add(const LabelSet& labels, int64_t ts_ns, std::string_view line) {
  auto [it, inserted] = index_.try_emplace(labels, streams_.size());
  if (inserted) {
    streams_.push_back({{"stream", LabelsJson(labels)}, {"values", nlohmann::json::array()}});
  }
  streams_[it->second]["values"].push_back({std::to_string(ts_ns), std::string(line)});
  ++entries_;
}

nlohmann::json StreamsJson::Take() {
  index_.clear();
  entries_ = 0;
  return std::exchange(streams_, nlohmann::json::array());
}

nlohmann::json MatrixJson(const std::vector<logql::Series>& series) {
  nlohmann::json out = nlohmann::json::array();
  for (const logql::Series& s : series) {
    nlohmann::json values = nlohmann::json::array();
    for (const logql::Point& p : s.points) {
      values.push_back({UnixSeconds(p.ts_ns), FormatGoFloatFixed(p.value)});
    }
    out.push_back({{"metric", LabelsJson(s.labels)}, {"values", std::move(values)}});
  }
  return out;
}

nlohmann::json VectorJson(const std::vector<logql::Series>& series, int64_t at_ns) {
  nlohmann::json out = nlohmann::json::array();
  for (const logql::Series& s : series) {
    for (const logql::Point& p : s.points) {
      if (p.ts_ns != at_ns) continue;
      out.push_back({{"metric", LabelsJson(s.labels)},
                     {"value", {UnixSeconds(p.ts_ns), FormatGoFloatFixed(p.value)}}});
    }
  }
  return out;
}

nlohmann::json ScalarJson(double value, int64_t at_ns) {
  return {UnixSeconds(at_ns), FormatGoFloatFixed(value)};
}

namespace {

// vigie's own figures beside Loki's: where the scans' CPU went (docs/logql.md, "Query
// statistics"), times in seconds as Loki writes execTime.
nlohmann::json ScanCostJson(const logql::ScanCost& cost) {
  nlohmann::json phases = nlohmann::json::array();
  for (const logql::PhaseCost& p : cost.phases) {
    phases.push_back({{"name", p.name},
                      {"cpuTime", p.cpu_ns / 1e9},
                      {"linesIn", p.lines_in},
                      {"linesOut", p.lines_out},
                      {"bytesIn", p.bytes_in},
                      {"bytesOut", p.bytes_out}});
  }
  return {{"cpuTime", cost.cpu_ns / 1e9}, {"phases", std::move(phases)}};
}

}  // namespace

nlohmann::json StatsJson(const logql::QueryStats& stats, double exec_seconds,
                         uint64_t entries_returned) {
  double per_second = exec_seconds > 0 ? 1 / exec_seconds : 0;
  const logql::PhaseCost* read = nullptr;
  const logql::PhaseCost* last = nullptr;  // The last phase that passes lines on.
  for (const logql::PhaseCost& p : stats.cost.phases) {
    if (p.name == logql::kPhaseRead) read = &p;
    if (p.name != logql::kPhaseAggregate && p.name != logql::kPhaseEmit) last = &p;
  }
  const uint64_t post_filter_lines = last != nullptr ? last->lines_out : 0;
  nlohmann::json store = {
      {"totalChunksRef", stats.blocks},
      {"totalChunksDownloaded", stats.blocks},
      // Nanoseconds, as Loki's: here the CPU time of the reads.
      {"chunksDownloadTime", read != nullptr ? read->cpu_ns : 0},
      {"chunk",
       {{"headChunkBytes", 0},
        {"headChunkLines", 0},
        {"decompressedBytes", stats.bytes_scanned},
        {"decompressedLines", stats.entries_scanned},
        {"compressedBytes", read != nullptr ? read->bytes_out : 0},
        {"postFilterLines", post_filter_lines},
        {"totalDuplicates", 0}}},
  };
  return {
      {"summary",
       {{"bytesProcessedPerSecond",
         static_cast<uint64_t>(static_cast<double>(stats.bytes_scanned) * per_second)},
        {"linesProcessedPerSecond",
         static_cast<uint64_t>(static_cast<double>(stats.entries_scanned) * per_second)},
        {"totalBytesProcessed", stats.bytes_scanned},
        {"totalLinesProcessed", stats.entries_scanned},
        {"execTime", exec_seconds},
        {"queueTime", 0},
        {"subqueries", 1},
        {"totalEntriesReturned", entries_returned},
        {"totalPostFilterLines", post_filter_lines}}},
      {"vigie", {{"scan", ScanCostJson(stats.cost)}}},
      {"querier", {{"store", std::move(store)}}},
      {"ingester",
       {{"totalReached", 0},
        {"totalChunksMatched", 0},
        {"totalBatches", 0},
        {"totalLinesSent", 0}}},
  };
}

nlohmann::json QueryResponseJson(std::string_view result_type, nlohmann::json result,
                                 nlohmann::json stats) {
  return {
      {"status", "success"},
      {"data",
       {{"resultType", result_type}, {"result", std::move(result)}, {"stats", std::move(stats)}}}};
}

}  // namespace vigie::server::http
