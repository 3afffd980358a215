#include "alerts/rules/rule_expr.h"

#include "common/strings.h"
#include "query/logql/ast.h"
#include "query/logql/parse_error.h"
#include "query/logql/parser.h"
#include "query/promql/parser.h"

namespace vigie::alerts::rules {
namespace {

bool AnyChildNamesAMetric(const promql::Expr& expr) {
  auto sub = [](const promql::ExprPtr& e) { return e != nullptr && NamesAMetric(*e); };
  if (const auto* leaf = expr.As<promql::LeafExpr>()) {
    const auto* selector = dynamic_cast<const promql::Selector*>(leaf->leaf.get());
    if (selector == nullptr) return false;
    if (!selector->metric_name.empty()) return true;
    for (const auto& m : selector->matchers) {
      if (m.name() == "__name__") return true;
    }
    return false;
  }
  if (const auto* p = expr.As<promql::ParenExpr>()) return sub(p->inner);
  if (const auto* u = expr.As<promql::UnaryExpr>()) return sub(u->operand);
  if (const auto* b = expr.As<promql::BinaryExpr>()) return sub(b->lhs) || sub(b->rhs);
  if (const auto* c = expr.As<promql::Call>()) {
    for (const auto& arg : c->args) {
      if (sub(arg)) return true;
    }
    return false;
  }
  if (const auto* a = expr.As<promql::AggregateExpr>()) return sub(a->param) || sub(a->operand);
  if (const auto* s = expr.As<promql::SubqueryExpr>()) return sub(s->inner);
  return false;
}

size_t ReachedOffset(const absl::Status& status, std::string_view text) {
  return logql::ErrorOffset(status).value_or(text.size());
}

}  // namespace

bool NamesAMetric(const promql::Expr& expr) { return AnyChildNamesAMetric(expr); }

absl::StatusOr<RuleExpr> ParseRuleExpr(std::string_view text, const Limits& limits) {
  auto prom = promql::Parse(text, limits);
  auto logs = logql::Parse(text, limits);
  bool logs_metric = logs.ok() && logs->is_metric();
  // Without any log-range aggregation (vector(1), 1 > 0) it reads the same in both: PromQL.
  bool reads_logs = false;
  if (logs_metric) {
    logql::ForEachRangeAggregation(*logs->metric,
                                   [&](const logql::RangeAggregation&) { reads_logs = true; });
  }
  RuleExpr out;
  out.text = std::string(text);
  if (prom.ok() && !(reads_logs && !NamesAMetric(**prom))) {
    out.language = Language::kPromQL;
    out.canonical = promql::ToString(**prom);
    out.tree = std::shared_ptr<const promql::Expr>(std::move(*prom));
    return out;
  }
  if (logs_metric) {
    out.language = Language::kLogQL;
    out.canonical = promql::ToString(*logs->metric);  // Leaves print as LogQL.
    out.tree = std::shared_ptr<const promql::Expr>(std::move(logs->metric));
    return out;
  }
  if (logs.ok()) {
    return absl::InvalidArgumentError(
        "LogQL: a log query gives lines, not numbers; a rule needs a metric query such as "
        "sum(count_over_time(<selector> |= \"...\" [1m])) > 0");
  }
  // Neither: report the language that understood more of the text.
  bool prom_further = ReachedOffset(prom.status(), text) >= ReachedOffset(logs.status(), text);
  const absl::Status& error = prom_further ? prom.status() : logs.status();
  return absl::InvalidArgumentError(StrCat(prom_further ? "PromQL: " : "LogQL: ", error.message()));
}

}  // namespace vigie::alerts::rules
