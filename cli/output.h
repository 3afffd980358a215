// How query results are printed: --output text (lines, or a table for metric queries) or
// --output jsonl (one JSON object per entry, or per series and step).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "vigie/v1/query.pb.h"

namespace vigie::cli {

enum class OutputFormat { kText, kJsonl };

// Parses "text" or "jsonl".
bool ParseOutputFormat(std::string_view name, OutputFormat* format);

// Writes one log entry: the line's bytes and a newline (text), or
// {"ts": "<RFC 3339 ns>", "labels": {...}, "line": "..."} (jsonl).
void PrintEntry(OutputFormat format, const v1::LabeledEntry& entry, FILE* out);

// Writes metric series: one row per series and step, "TIME  LABELS  VALUE", aligned (text), or
// {"ts": ..., "labels": {...}, "value": ...} per series and step (jsonl).
void PrintSeries(OutputFormat format,
                 const google::protobuf::RepeatedPtrField<v1::MetricSeries>& series, FILE* out);

// A JSON string literal for arbitrary bytes. JSON strings are Unicode: a byte that is not part of
// valid UTF-8 becomes U+FFFD (--output text is the byte-exact form).
std::string JsonString(std::string_view bytes);

}  // namespace vigie::cli
