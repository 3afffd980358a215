// Fuzzes the LogQL parser (log queries, and metric queries: PromQL's operator layer with LogQL's
// range aggregations as leaves) with arbitrary bytes as a query. Beyond "no crash, no hang", it
// checks the two promises the engine relies on:
// - a parsed query prints to a canonical form that parses back to the same text;
// - a line that passes a filter chain contains its required_literal(), its case-folded form the
//   required_folded_literal(), and one literal of each required_any() set (tried on the input
//   itself and on its lines, which often contain the patterns' own text). The input is also read as
//   a regex on its first line followed by log lines, which exercises the literal analysis directly.
// The pipeline of a parsed query also runs on the input's lines: any combination of stages must
// hold up on any line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/logql/parser.h"
#include "store/ngram_filter.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

// A line that passes contains the required literal, its case-folded form the required folded
// literal, and one literal of each required_any() set (in the line or its folded form).
void CheckLine(const vigie::logql::LineFilter& filter, std::string_view line) {
  if (!filter.Matches(line)) return;
  std::string folded;
  vigie::store::CaseFold(line, &folded);
  Check(line.find(filter.required_literal()) != std::string_view::npos);
  Check(folded.find(filter.required_folded_literal()) != std::string::npos);
  Check(filter.MayMatch([&](const vigie::logql::NeededLiteral& l) {
    return std::string_view(l.case_folded ? folded : line).find(l.text) != std::string_view::npos;
  }));
}

void CheckFilter(const vigie::logql::LineFilter& filter, std::string_view text) {
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    CheckLine(filter, text.substr(start, end - start));
    start = end + 1;
  }
  CheckLine(filter, text);
}

// Reads `text` as a |~ regex on its first line and log lines after it.
void CheckRegexAndLines(std::string_view text, const vigie::Limits& limits) {
  size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return;
  absl::StatusOr<vigie::logql::LineFilter> filter = vigie::logql::LineFilter::Make(
      {{vigie::logql::FilterOp::kRegex, std::string(text.substr(0, newline))}}, limits);
  if (filter.ok()) CheckFilter(*filter, text.substr(newline + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Limits limits;
  CheckRegexAndLines(text, limits);
  absl::StatusOr<vigie::logql::Query> query = vigie::logql::Parse(text, limits);
  if (!query.ok()) {
    // Every syntax error carries a position inside the query.
    std::optional<size_t> offset = vigie::logql::ErrorOffset(query.status());
    Check(!offset || *offset <= size);
    return 0;
  }
  std::string canonical = vigie::logql::ToString(*query);
  absl::StatusOr<vigie::logql::Query> again = vigie::logql::Parse(canonical, limits);
  Check(again.ok() || canonical.size() > limits.max_query_bytes);
  if (again.ok()) Check(vigie::logql::ToString(*again) == canonical);
  auto check = [&](const vigie::logql::LogSelector& selector) {
    CheckFilter(selector.filter, text);
    if (selector.pipeline.empty()) return;
    static const vigie::LabelSet stream = *vigie::LabelSet::Parse(R"({a="b"})");
    vigie::logql::StreamPipeline pipeline(selector.pipeline, stream);
    for (size_t start = 0; start <= text.size();) {
      size_t end = std::min(text.find('\n', start), text.size());
      if (pipeline.Process(0, text.substr(start, end - start))) pipeline.Labels();
      start = end + 1;
    }
  };
  if (query->log) check(*query->log);
  if (query->metric) {
    vigie::logql::ForEachRangeAggregation(
        *query->metric,
        [&](const vigie::logql::RangeAggregation& range) { check(range.selector); });
  }
  return 0;
}
