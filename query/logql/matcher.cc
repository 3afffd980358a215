#include "query/logql/matcher.h"

#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "query/logql/quote.h"
#include "query/logql/regex.h"

namespace vigie::logql {

std::string_view MatchTypeSymbol(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegex:
      return "=~";
    case MatchType::kNotRegex:
      return "!~";
  }
  return "?";
}

absl::StatusOr<LabelMatcher> LabelMatcher::Make(std::string name, MatchType type, std::string value,
                                                const Limits& limits) {
  if (!IsValidLabelName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid label name ", Quote(name), ": names match [a-zA-Z_][a-zA-Z0-9_]*"));
  }
  std::shared_ptr<const re2::RE2> re;
  if (type == MatchType::kRegex || type == MatchType::kNotRegex) {
    absl::StatusOr<std::shared_ptr<const re2::RE2>> compiled = CompileRegex(value, limits);
    if (!compiled.ok()) return compiled.status();
    re = *std::move(compiled);
  }
  return LabelMatcher(std::move(name), type, std::move(value), std::move(re));
}

bool LabelMatcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual:
      return value == value_;
    case MatchType::kNotEqual:
      return value != value_;
    case MatchType::kRegex:
      return re2::RE2::FullMatch(value, *re_);
    case MatchType::kNotRegex:
      return !re2::RE2::FullMatch(value, *re_);
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  return absl::StrCat(name_, std::string(MatchTypeSymbol(type_)), Quote(value_));
}

}  // namespace vigie::logql
