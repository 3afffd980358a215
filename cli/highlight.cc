#include "cli/highlight.h"

#include <algorithm>

#include "common/limits.h"
#include "query/logql/parser.h"
#include "query/logql/regex.h"

namespace vigie::cli {

Highlighter::Highlighter(std::string_view query) {
  auto parsed = logql::Parse(query, Limits());
  if (!parsed.ok() || parsed->is_metric()) return;
  for (const logql::LineFilterSpec& spec : parsed->log->filter.specs()) {
    // Every alternative of `|= "a" or "b"` is highlighted where it occurs; ip() filters are not.
    std::vector<logql::FilterTerm> terms = {{spec.pattern, spec.ip}};
    terms.insert(terms.end(), spec.more.begin(), spec.more.end());
    for (const logql::FilterTerm& term : terms) {
      if (term.ip) continue;
      if (spec.op == logql::FilterOp::kContains && !term.pattern.empty()) {
        literals_.push_back(term.pattern);
      } else if (spec.op == logql::FilterOp::kRegex) {
        if (auto re = logql::CompileRegex(term.pattern, Limits()); re.ok()) {
          regexes_.push_back(*std::move(re));
        }
      }
    }
  }
}

std::vector<std::pair<size_t, size_t>> Highlighter::Spans(std::string_view line) const {
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& literal : literals_) {
    for (size_t at = line.find(literal); at != std::string_view::npos;
         at = line.find(literal, at + literal.size())) {
      spans.emplace_back(at, at + literal.size());
    }
  }
  for (const auto& re : regexes_) {
    re2::StringPiece text(line.data(), line.size()), match;
    size_t pos = 0;
    while (pos <= line.size() &&
           re->Match(text, pos, line.size(), re2::RE2::UNANCHORED, &match, 1)) {
      size_t begin = match.data() - line.data(), end = begin + match.size();
      if (end > begin) spans.emplace_back(begin, end);
      pos = end > begin ? end : end + 1;
    }
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

}  // namespace vigie::cli
