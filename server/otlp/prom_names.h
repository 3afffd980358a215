// OpenTelemetry names as Prometheus names, as the OpenTelemetry-to-Prometheus compatibility
// specification says (docs/otlp.md, "Names"): sanitized metric names with unit and type
// suffixes, sanitized label names.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vigie::server::otlp {

// What decides a metric's suffixes.
enum class PromKind {
  kGauge,      // Gauges and non-monotonic sums: unit suffix; "1" becomes _ratio.
  kCounter,    // Monotonic sums: unit suffix, then _total.
  kHistogram,  // Histograms and summaries: unit suffix (the caller adds _bucket, _sum, _count).
};

// `name` with every character outside [a-zA-Z0-9_:] replaced by '_', runs of '_' collapsed,
// leading and trailing '_' dropped, then the unit's suffix (UCUM: "s" _seconds, "By" _bytes,
// "ms" _milliseconds, "KiBy" _kibibytes, "m/s" _meters_per_second, "{packet}" none, ...) unless
// the name already ends with it, then _total for a counter unless already there. A name that
// would start with a digit gets a leading '_'; an empty one is "_".
std::string PromMetricName(std::string_view name, std::string_view unit, PromKind kind);

// An attribute key as a label name: every character outside [a-zA-Z0-9_] replaced by '_';
// a name starting with a digit gets "key_" before it, one starting with '_' gets "key" (so
// that no attribute makes a reserved "__" name); an empty key is "key_empty".
std::string PromLabelName(std::string_view key);

}  // namespace vigie::server::otlp
