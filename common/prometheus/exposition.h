// A parser for the Prometheus exposition formats: the text format 0.0.4 and OpenMetrics 1.0
// (docs/collector.md, "Prometheus scrape", lists what is accepted). It reads a whole scraped
// body and calls a handler per sample and per HELP / TYPE / UNIT line; a line that does not
// parse is reported with its number and what was wrong, and the lines around it still are
// (the collector keeps the neighbours of a bad line; Prometheus would fail the whole scrape).
//
// Speed: the parser keeps its buffers between calls, so that parsing a body allocates nothing
// per sample once they have grown; a sample's views point into the body or into those buffers
// and are valid only during the handler call.
//
// Thread safety: a parser is used by one thread at a time; distinct parsers are independent.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"

namespace vigie::exposition {

enum class ExpositionFormat { kText, kOpenMetrics };

// The format a Content-Type header announces: OpenMetrics for application/openmetrics-text,
// the text format for anything else (as Prometheus falls back to it).
ExpositionFormat FormatFromContentType(std::string_view content_type);

struct ExpositionSample {
  // The series as written on the line, from the metric name to the closing brace: equal for
  // the same series in two scrapes of one target, so it can key a cache of parsed label sets.
  std::string_view series;
  std::string_view name;
  // The labels in written order, without __name__, values unescaped. Names are checked, and
  // no name appears twice.
  std::span<const LabelView> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // OpenMetrics' seconds are converted.
};

class ExpositionHandler {
 public:
  virtual ~ExpositionHandler() = default;
  virtual void OnSample(const ExpositionSample& sample) = 0;
  // `help` unescaped; `type` as written (counter, gauge, histogram, summary, untyped, and
  // OpenMetrics' unknown, gaugehistogram, info, stateset).
  virtual void OnHelp(std::string_view metric, std::string_view help) = 0;
  virtual void OnType(std::string_view metric, std::string_view type) = 0;
  virtual void OnUnit(std::string_view metric, std::string_view unit) = 0;
  // `line` counts from 1; `message` says what was wrong ("line 7: expected '=' after label
  // name \"code\"").
  virtual void OnError(size_t line, std::string_view message) = 0;
};

class ExpositionParser {
 public:
  // Parses all of `body`. OpenMetrics requires a final "# EOF" and nothing after it: its
  // absence, or lines after it, are reported as errors (the lines before are still parsed).
  void Parse(std::string_view body, ExpositionFormat format, ExpositionHandler* handler);

 private:
  // Each returns what was wrong with the line, or an empty string when it parsed.
  std::string ParseSample(std::string_view line, ExpositionFormat format,
                          ExpositionHandler* handler);
  std::string ParseComment(std::string_view line, ExpositionFormat format,
                           ExpositionHandler* handler, bool* eof);
  // Parses `{...}` at the start of *rest into labels_ and advances *rest past it.
  std::string ParseLabels(std::string_view* rest, ExpositionFormat format);
  // `escaped` with its escapes (\\, \n, and \" when `quotes`) replaced, in unescaped_.
  std::string_view Unescape(std::string_view escaped, bool quotes);

  std::vector<LabelView> labels_;
  std::string unescaped_;  // Reserved to the line's length, so views into it stay valid.
};

// Go's strconv.ParseFloat as Prometheus applies it to sample values: decimal and hexadecimal
// forms, an optional sign, Inf / +Inf / -Inf / NaN in any case. nullopt when not a number.
std::optional<double> ParseGoFloat(std::string_view text);

}  // namespace vigie::exposition
