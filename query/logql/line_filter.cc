#include "query/logql/line_filter.h"

#include <string.h>

#include <algorithm>

#include "query/logql/regex.h"
#include "query/logql/required_literal.h"

namespace vigie::logql {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  // glibc's memmem (two-way, vectorised first-byte search) is much faster than
  // std::string_view::find on long lines.
  return needle.empty() ||
         memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

bool IsRegex(FilterOp op) { return op == FilterOp::kRegex || op == FilterOp::kNotRegex; }

}  // namespace

std::string_view FilterOpSymbol(FilterOp op) {
  switch (op) {
    case FilterOp::kContains:
      return "|=";
    case FilterOp::kNotContains:
      return "!=";
    case FilterOp::kRegex:
      return "|~";
    case FilterOp::kNotRegex:
      return "!~";
  }
  return "?";
}

absl::StatusOr<LineFilter> LineFilter::Make(std::vector<LineFilterSpec> specs,
                                            const Limits& limits) {
  LineFilter filter;
  for (LineFilterSpec& spec : specs) {
    if (absl::Status s = filter.Add(std::move(spec), limits); !s.ok()) return s;
  }
  return filter;
}

absl::Status LineFilter::Add(LineFilterSpec spec, const Limits& limits) {
  Step step{spec.op, "", nullptr};
  std::string required;
  if (IsRegex(spec.op)) {
    absl::StatusOr<std::shared_ptr<const re2::RE2>> re = CompileRegex(spec.pattern, limits);
    if (!re.ok()) return re.status();
    step.re = *std::move(re);
    if (spec.op == FilterOp::kRegex) required = RequiredLiteral(spec.pattern);
  } else {
    step.literal = spec.pattern;
    if (spec.op == FilterOp::kContains) required = spec.pattern;
  }
  if (required.size() > required_literal_.size()) required_literal_ = std::move(required);
  auto first_regex =
      std::find_if(steps_.begin(), steps_.end(), [](const Step& s) { return s.re != nullptr; });
  steps_.insert(step.re ? steps_.end() : first_regex, std::move(step));
  specs_.push_back(std::move(spec));
  return absl::OkStatus();
}

bool LineFilter::Matches(std::string_view line) const {
  for (const Step& step : steps_) {
    bool hit = step.re ? re2::RE2::PartialMatch(line, *step.re) : Contains(line, step.literal);
    bool negated = step.op == FilterOp::kNotContains || step.op == FilterOp::kNotRegex;
    if (hit == negated) return false;
  }
  return true;
}

}  // namespace vigie::logql
