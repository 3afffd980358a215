// Alertmanager's label matchers (`a="b"`, `a=~"x|y"`, `a!=b`, `a!~b`): in routes, inhibit rules,
// silences and the API's filters. Values follow Alertmanager's matcher syntax (pkg/labels):
// optional double quotes with OpenMetrics escapes (\" \n \\); regexps are RE2, anchored.
//
// Thread safety: a Matcher is immutable after Parse/Make; const methods may be called
// concurrently. Copies share the compiled regexp.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "query/logql/matcher.h"

namespace vigie::alerts {

// The operators and their matching are LogQL's and PromQL's (anchored RE2, absent label = "").
using logql::MatchType;
using logql::MatchTypeSymbol;

class Matcher {
 public:
  // Fails with InvalidArgument when the name is not a label name or a regexp does not compile.
  static absl::StatusOr<Matcher> Make(MatchType type, std::string name, std::string value);
  // One matcher: `name op value`, value optionally quoted. Fails naming the text.
  static absl::StatusOr<Matcher> Parse(std::string_view text);

  MatchType type() const { return matcher_.type(); }
  const std::string& name() const { return matcher_.name(); }
  const std::string& value() const { return matcher_.value(); }
  bool is_regex() const { return type() == MatchType::kRegex || type() == MatchType::kNotRegex; }
  bool is_equal() const { return type() == MatchType::kEqual || type() == MatchType::kRegex; }

  // Whether `value` (the label's value, "" when absent) satisfies the matcher.
  bool Matches(std::string_view value) const { return matcher_.Matches(value); }
  // name op "value", value escaped: Alertmanager's String().
  std::string ToString() const;

  bool operator==(const Matcher& other) const {
    return type() == other.type() && name() == other.name() && value() == other.value();
  }
  // Alertmanager's order: name, value, then type.
  bool operator<(const Matcher& other) const;

 private:
  explicit Matcher(logql::LabelMatcher matcher) : matcher_(std::move(matcher)) {}
  logql::LabelMatcher matcher_;
};

using Matchers = std::vector<Matcher>;

// A comma-separated list, optionally in braces: `{a="b", c=~"d"}` or `a=b,c!=d`. Commas inside
// quotes do not separate.
absl::StatusOr<Matchers> ParseMatchers(std::string_view text);

// True when every matcher matches `labels` (absent labels read as "").
bool MatchesAll(const Matchers& matchers, const LabelSet& labels);

// {a="b",c=~"d"}: Alertmanager's Matchers.String(), part of a route's key.
std::string MatchersToString(const Matchers& matchers);

}  // namespace vigie::alerts
