// How query results are printed: --output text (lines, or a table for metric queries), wide
// (time, labels and line) or jsonl (one JSON object per entry, or per series and step).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/highlight.h"
#include "vigie/v1/query.pb.h"

namespace vigie::cli {

enum class OutputFormat { kText, kWide, kJsonl };

// Parses "text", "wide" or "jsonl".
bool ParseOutputFormat(std::string_view name, OutputFormat* format);

// Resolves --color auto|always|never: auto colours when standard output is a terminal and
// $NO_COLOR is unset or empty.
bool UseColor(std::string_view when);

// The terminal's width in columns: standard output's, else $COLUMNS, else 80.
int TerminalWidth();

// Writes log entries to `out` as they come. Not thread-safe.
class EntryPrinter {
 public:
  struct Options {
    OutputFormat format = OutputFormat::kText;
    // Text and wide: matches of `highlight` in bold red, labels in magenta, "--" in cyan (as
    // GNU grep colours them).
    bool color = false;
    const Highlighter* highlight = nullptr;  // Not owned; may be null.
    bool separators = false;                 // Print "--" between groups (grep -A/-B/-C).
  };
  EntryPrinter(FILE* out, Options options) : out_(out), options_(options) {}

  // text: the line's bytes and a newline; wide: "<RFC 3339 ns> <labels> <line>";
  // jsonl: {"ts": "<RFC 3339 ns>", "labels": {...}, "line": "..."} with "context": true on
  // context lines. Text and wide print "--" before a group that is not the first.
  void Print(const v1::LabeledEntry& entry);

 private:
  FILE* out_;
  Options options_;
  bool printed_ = false;
};

// Writes the --count answer: one series per stream, its single point the stream's count. One
// stream (or none: "0") gives the bare number, several give "<labels>:<count>" lines, as grep -c
// does for several files; jsonl gives {"labels": {...}, "count": N} per stream.
void PrintCounts(OutputFormat format,
                 const google::protobuf::RepeatedPtrField<v1::MetricSeries>& series, FILE* out);

// Writes metric series: one row per series and step, "TIME  LABELS  VALUE", aligned (text), or
// {"ts": ..., "labels": {...}, "value": ...} per series and step (jsonl).
void PrintSeries(OutputFormat format,
                 const google::protobuf::RepeatedPtrField<v1::MetricSeries>& series, FILE* out);

// A JSON string literal for arbitrary bytes. JSON strings are Unicode: a byte that is not part of
// valid UTF-8 becomes U+FFFD (--output text is the byte-exact form).
std::string JsonString(std::string_view bytes);

}  // namespace vigie::cli
