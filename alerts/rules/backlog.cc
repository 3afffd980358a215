#include "alerts/rules/backlog.h"

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts::rules {
namespace {

// `depth` over the window as a range vector: its selector with [W] when it is a plain one
// (no @ or offset, which a range selector would need to repeat), else a subquery.
std::string DepthOverWindow(const RuleExpr& depth, int64_t window_ms) {
  std::string window = FormatDuration(window_ms * 1'000'000);
  if (const auto* leaf = depth.tree->As<promql::LeafExpr>()) {
    const auto* selector = dynamic_cast<const promql::Selector*>(leaf->leaf.get());
    if (selector != nullptr && selector->range_ns == 0 &&
        selector->modifiers == promql::TimeModifiers()) {
      return StrCat(selector->ToString(), "[", window, "]");
    }
  }
  int64_t step_ms = std::max<int64_t>(1000, window_ms / 20);
  return StrCat("(", depth.canonical, ")[", window, ":", FormatDuration(step_ms * 1'000'000), "]");
}

}  // namespace

absl::StatusOr<std::string> BacklogCondition(const RuleExpr& depth, const RuleExpr& processed,
                                             int64_t window_ms) {
  if (depth.language != Language::kPromQL || processed.language != Language::kPromQL) {
    return absl::InvalidArgumentError("backlog: depth and processed must be PromQL expressions");
  }
  std::string d = StrCat("(", depth.canonical, ")");
  std::string p = StrCat("(", processed.canonical, ")");
  std::string range = DepthOverWindow(depth, window_ms);
  return StrCat("(", d, " > 0 and ", p, " == 0) or (", d, " > 0 and min_over_time(", range,
                ") > 0 and deriv(", range, ") >= 0 and ", p, " <= ", kBacklogProcessedFraction,
                " * (deriv(", range, ") + ", p, "))");
}

}  // namespace vigie::alerts::rules
