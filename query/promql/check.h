// Type checking of a parsed PromQL expression, as Prometheus's checkAST does it. Internal to
// the parser.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "query/promql/ast.h"

namespace vigie::promql {

// Checks the types of `expr`'s operands and arguments and the rules that depend on them (bool
// only on comparisons, vector matching only between instant vectors, set operators many-to-many,
// selectors that could match every series), reporting the first violation as a parse error in
// `query` at the offending node. Normalises as Prometheus does: set operators become
// many-to-many, and a binary expression with a scalar operand loses its vector matching.
absl::Status CheckTypes(std::string_view query, Expr& expr);

}  // namespace vigie::promql
