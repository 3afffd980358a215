// Prometheus names for what StatsD and Graphite call metrics and tags, as statsd_exporter and
// graphite_exporter map them by default: every character outside [a-zA-Z0-9_:] (metric names)
// or [a-zA-Z0-9_] (label names) becomes '_', and a name that starts with a digit gets a leading
// '_'. "queue.algolia.depth" becomes queue_algolia_depth.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"

namespace vigie::collector {

// Appends the mapped name to `out`.
void AppendPrometheusMetricName(std::string_view text, std::string* out);
void AppendPrometheusLabelName(std::string_view text, std::string* out);

// Adds the tag `name`=`value` (a DogStatsD or Graphite tag) to `labels`, its name mapped,
// replacing a label of the same name (the last of a repeated tag wins). Returns null, or why the
// tag cannot be a label: an empty name, or one starting with "__" (reserved).
const char* AddTagLabel(std::string_view name, std::string_view value, std::vector<Label>* labels);

}  // namespace vigie::collector
