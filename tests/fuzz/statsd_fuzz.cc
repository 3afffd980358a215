// Fuzzes the StatsD parser and aggregator: lines of any bytes are parsed and aggregated, then
// flushed twice: no crash, no read outside the input, every value either taken or counted as
// malformed, and every flushed series a valid Prometheus series.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/inputs/statsd_aggregate.h"

using vigie::collector::MetricUnit;
using vigie::collector::StatsdAggregator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  vigie::collector::StatsdLine line;
  for (std::string_view rest = raw; !rest.empty();) {
    size_t newline = rest.find('\n');
    std::string_view text = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    vigie::collector::ParseStatsdLine(text, &line);
    for (std::string_view view : {line.name, line.tags}) {
      if (!view.empty() && (view.data() < text.data() || view.end() > text.end())) abort();
    }
    if ((line.malformed > 0) != (line.error != nullptr)) abort();
  }
  StatsdAggregator aggregator({.percentiles = {50, 99.9}, .delete_idle_after_ms = 1000});
  StatsdAggregator::Counts counts;
  aggregator.AddLines(raw, 0, &counts);
  if (counts.metrics > 0 && aggregator.size() == 0) abort();
  for (int64_t now : {500, 2000}) {
    MetricUnit unit = aggregator.Flush(now);
    for (const auto& sample : unit.samples) {
      if (!vigie::IsValidMetricName(sample.labels().Get("__name__"))) abort();
      if (sample.ts_ms != now) abort();
    }
  }
  if (aggregator.size() != 0) abort();  // All idle by the second flush.
  return 0;
}
