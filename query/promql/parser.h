// Parsing PromQL expressions with Prometheus 2.42's grammar and checks. docs/promql.md
// describes the grammar, the few deviations and the error conventions.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/parse_error.h"
#include "query/promql/ast.h"

namespace vigie::promql {

// Expressions nesting deeper than this (parentheses, operands, arguments, or a chain of binary
// operators, each of which adds a level) are refused: it bounds the recursion of everything
// that walks the tree.
inline constexpr int kMaxDepth = 256;

// Parses `text` and type-checks the result as Prometheus does (argument types and counts of
// functions and aggregations, operand types of operators, bool and vector matching rules,
// selectors that could select every series). On error returns InvalidArgument: for anything
// wrong in the text a parse error (query/logql/parse_error.h: "parse error at line L, col C:
// <message>", the byte offset in ErrorOffset()) whose message is Prometheus's where it has one
// ("unexpected <what> in <context>, expected <what>", "expected type range vector in call to
// function \"rate\", got instant vector"); for a text longer than limits.max_query_bytes an
// error without offset. Regexes are re2, limited by limits.max_regex_program_size. Never
// crashes; bounded time and memory on any input.
//
// Thread safety: safe to call concurrently.
absl::StatusOr<ExprPtr> Parse(std::string_view text, const Limits& limits);

}  // namespace vigie::promql
