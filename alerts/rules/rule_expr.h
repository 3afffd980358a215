// A rule's `expr`: PromQL over the series store, or a LogQL metric query over the logs. Both
// parse into the same operator tree (promql::Expr) and run on the same evaluator; the language
// says which leaves it has (series selectors or log-range aggregations).
//
// Which language an expression is (docs/alerts.md, "PromQL or LogQL"):
//  - text that parses only as one of them is that one;
//  - text that parses as both (sum(count_over_time({service="front"}[1m]))) is LogQL when none of
//    its selectors names a metric (no metric name, no __name__ matcher), as a log stream selector
//    never does, and PromQL otherwise; text without any selector (vector(1)) is PromQL.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/promql/ast.h"

namespace vigie::alerts::rules {

enum class Language { kPromQL, kLogQL };

// Immutable after ParseRuleExpr; copies share the tree. Safe to use from several threads.
struct RuleExpr {
  Language language = Language::kPromQL;
  std::string text;                          // As written in the rule file.
  std::shared_ptr<const promql::Expr> tree;  // Never null after ParseRuleExpr.
  // The canonical form (Prometheus's printer form, or LogQL's), shown by /api/v1/rules.
  std::string canonical;
};

// Parses `text` as PromQL or a LogQL metric query (see above). On error, InvalidArgument with the
// parse error of the language that read further into the text, named ("PromQL: parse error at
// line 1, col 5: ..."), or saying that a LogQL log query is not a number.
absl::StatusOr<RuleExpr> ParseRuleExpr(std::string_view text, const Limits& limits);

// Whether any selector of `expr` names a metric (foo{...}, or a matcher on __name__).
bool NamesAMetric(const promql::Expr& expr);

}  // namespace vigie::alerts::rules
