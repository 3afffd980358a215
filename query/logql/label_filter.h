// Label filters of a LogQL pipeline: | status >= 500 and (method="GET" or duration > 250ms).
//
// Loki's semantics: a string matcher (= != =~ !~, regexes anchored) compares the label's value,
// "" when it is absent, and is the only filter that can test __error__. A numeric, duration or
// byte-size comparison (== != > >= < <=) drops a line without the label; when the value does not
// convert (Go's ParseFloat, time.ParseDuration, go-humanize's ParseBytes) the line is kept with
// __error__="LabelFilterErr" unless an earlier error is there. `and` evaluates both sides (so
// either may set the error), `or` stops at a true left side. Predicates combine left to right
// with equal precedence, as Loki documents: `a or b and c` is `(a or b) and c`.
//
// Immutable after construction; safe to use from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/ip_filter.h"
#include "query/logql/labels_builder.h"
#include "query/logql/matcher.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {

enum class CompareOp { kEq, kNe, kGt, kGe, kLt, kLe };  // == != > >= < <=
std::string_view CompareOpSymbol(CompareOp op);

class LabelFilterExpr {
 public:
  enum class Kind { kMatcher, kNumber, kDuration, kBytes, kIp, kAnd, kOr };

  static std::unique_ptr<LabelFilterExpr> Matcher(LabelMatcher matcher);
  static std::unique_ptr<LabelFilterExpr> Number(std::string name, CompareOp op, double value);
  static std::unique_ptr<LabelFilterExpr> Duration(std::string name, CompareOp op, int64_t nanos);
  static std::unique_ptr<LabelFilterExpr> Bytes(std::string name, CompareOp op, uint64_t bytes);
  // name = ip("10.0.0.0/8") (or != when `negated`): whether an address in the value is in the
  // set, as Loki tests it.
  static std::unique_ptr<LabelFilterExpr> Ip(std::string name, bool negated, IpMatcher ip);
  static std::unique_ptr<LabelFilterExpr> Binary(Kind kind, std::unique_ptr<LabelFilterExpr> left,
                                                 std::unique_ptr<LabelFilterExpr> right);

  // Whether the line passes; may set the LabelFilterErr error on `labels`.
  bool Evaluate(LabelsBuilder& labels) const;
  // The label names it tests.
  void CollectNames(std::vector<std::string>* names) const;
  // The (name, value) of the matchers name="value" that every line it passes satisfies: those
  // joined by `and` (both sides must pass), not those under an `or`.
  void CollectRequiredValues(std::vector<std::pair<std::string, std::string>>* out) const;
  // Canonical text: status >= 500 and (a = "x" or b > 1s).
  std::string ToString() const;

 private:
  LabelFilterExpr() = default;

  Kind kind_ = Kind::kMatcher;
  std::optional<LabelMatcher> matcher_;
  std::string name_;
  CompareOp op_ = CompareOp::kEq;
  double number_ = 0;
  int64_t nanos_ = 0;
  uint64_t bytes_ = 0;
  std::optional<IpMatcher> ip_;  // kIp; op_ is kEq or kNe.
  std::unique_ptr<LabelFilterExpr> left_, right_;
};

// The label filter as a pipeline stage (| expr).
std::shared_ptr<const Stage> MakeLabelFilterStage(std::unique_ptr<LabelFilterExpr> expr);

// Conversions of label values, as Loki does them in Go. nullopt when `text` does not convert.
// ParseGoFloat: strconv.ParseFloat (decimal, exponent, inf, nan, a sign; out of range fails).
std::optional<double> ParseGoFloat(std::string_view text);
// ParseGoDuration: time.ParseDuration ("250ms", "1h30m", "-1.5s", "0"; units ns us µs ms s m h),
// in nanoseconds.
std::optional<int64_t> ParseGoDuration(std::string_view text);
// ParseHumanBytes: go-humanize's ParseBytes ("20MB" = 20e6, "1KiB" = 1024, "1.5 kb", "42").
std::optional<uint64_t> ParseHumanBytes(std::string_view text);

}  // namespace vigie::logql
