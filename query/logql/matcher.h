// Label matchers of a LogQL stream selector: {service="api", level=~"error|warn"}.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "re2/re2.h"

namespace vigie::logql {

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };  // = != =~ !~

// The operator as written in a query: "=", "!=", "=~" or "!~".
std::string_view MatchTypeSymbol(MatchType type);

// A compiled label matcher with Prometheus's and Loki's semantics: regexes are re2 and fully
// anchored (=~"api" does not match "api2"), and an absent label has the value "" (so a!="x"
// and a!~"x" select streams without `a`, and a=~".*" matches every stream).
//
// Immutable after Make(); copies share the compiled regex; safe to use from several threads.
class LabelMatcher {
 public:
  // Fails with InvalidArgument when `name` is not a valid label name or the regex of =~ / !~
  // is invalid or larger than limits.max_regex_program_size.
  static absl::StatusOr<LabelMatcher> Make(std::string name, MatchType type, std::string value,
                                           const Limits& limits);

  const std::string& name() const { return name_; }
  MatchType type() const { return type_; }
  const std::string& value() const { return value_; }

  // Whether a stream whose label `name` has `value` is selected ("" for an absent label).
  bool Matches(std::string_view value) const;
  bool MatchesEmpty() const { return Matches(""); }

  // name="value" form with the value quoted as in a query, so that it parses back.
  std::string ToString() const;

 private:
  LabelMatcher(std::string name, MatchType type, std::string value,
               std::shared_ptr<const re2::RE2> re)
      : name_(std::move(name)), type_(type), value_(std::move(value)), re_(std::move(re)) {}

  std::string name_;
  MatchType type_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // Set for kRegex and kNotRegex only.
};

}  // namespace vigie::logql
