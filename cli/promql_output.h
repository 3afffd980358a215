// How `vigie query` and `vigie series` print PromQL results: a table, JSON in the shape of
// Prometheus's API `data`, CSV, or (for ranges on a terminal) a chart (chart.h).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/chart.h"
#include "vigie/v1/query.pb.h"

namespace vigie::cli {

enum class PromOutput { kAuto, kChart, kTable, kJson, kCsv };

// Parses "auto", "chart", "table", "json" or "csv".
bool ParsePromOutput(std::string_view name, PromOutput* out);

// Prometheus's text form of a series: name{label="value", ...} (just {...} without a name,
// {} without labels).
std::string SeriesName(const google::protobuf::RepeatedPtrField<v1::Label>& labels);

// {"name":"value",...}
std::string LabelsJsonObject(const google::protobuf::RepeatedPtrField<v1::Label>& labels);

// A sample value as Prometheus writes it: shortest round-trip decimal, NaN, +Inf, -Inf.
std::string PromValueText(double value);

// Writes `result` to `out` in `format` (not kAuto; kChart with `chart`, whose time range and
// step the caller sets). Table: a scalar or string alone; a vector as SERIES VALUE rows; a
// matrix as TIME SERIES VALUE rows. JSON: {"resultType": ..., "result": ...} as Prometheus's
// API answers. CSV: a header "time,<label names...>,value" and one row per point, times in
// RFC 3339.
void PrintPromResult(const v1::PromQueryResponse& result, PromOutput format,
                     const ChartOptions& chart, FILE* out);

}  // namespace vigie::cli
