// Prometheus's series notation, which its test scripts (`load`) and promtool's rule unit tests
// (`input_series`) share: `metric{label="value", ...}` followed by values in the expanding
// notation (`0+10x100 _ stale -2-1x4`).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace vigie::promql {

// The number (decimal, or a word such as Inf or NaN) with an optional sign at the start of *s,
// consumed; `stale` too when allow_stale (Prometheus's staleness marker, store::kStaleNaNBits).
absl::StatusOr<double> TakeSeriesValue(std::string_view* s, bool allow_stale);

// Expands one item of a series: `5`, `-2.5`, `Inf`, `NaN`, `stale`, `_` (one missing sample),
// `_x3` (three), `1x3` (1 four times: the item and three repetitions), `0+10x3` (0 10 20 30),
// `5-1x2` (5 4 3). Appends to *values, nullopt for a missing sample; fails with a message that
// quotes the item on anything else.
absl::Status ExpandItem(std::string_view item, std::vector<std::optional<double>>* values);

// Every item of `text`, separated by spaces or tabs, expanded in order.
absl::StatusOr<std::vector<std::optional<double>>> ExpandSeriesValues(std::string_view text);

// Parses `metric{label="value", ...} rest` (the name, the braces or both; strings in any of
// PromQL's quotes) into labels, and sets *rest to what follows.
absl::StatusOr<LabelSet> ParseSeriesLabels(std::string_view line, std::string_view* rest);

}  // namespace vigie::promql
