// Fuzzes the PromQL parser with arbitrary bytes as a query. Beyond "no crash, no hang", it checks
// what /api/v1/format_query and the evaluator rely on:
// - every parse error carries a position inside the query;
// - a parsed expression prints to a canonical form that parses back to the same text and type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/promql/parser.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Limits limits;
  absl::StatusOr<vigie::promql::ExprPtr> expr = vigie::promql::Parse(text, limits);
  if (!expr.ok()) {
    std::optional<size_t> offset = vigie::logql::ErrorOffset(expr.status());
    Check(size > limits.max_query_bytes ? !offset : offset && *offset <= size);
    return 0;
  }
  std::string canonical = vigie::promql::ToString(**expr);
  absl::StatusOr<vigie::promql::ExprPtr> again = vigie::promql::Parse(canonical, limits);
  Check(again.ok() || canonical.size() > limits.max_query_bytes);
  if (again.ok()) {
    Check(vigie::promql::ToString(**again) == canonical);
    Check((*again)->type() == (*expr)->type());
  }
  return 0;
}
