// Parsing PromQL expressions with Prometheus 2.42's grammar and checks. docs/promql.md
// describes the grammar, the few deviations and the error conventions.
#pragma once

#include <memory>
#include <string>
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

// A language made of PromQL's operators over leaves of its own: LogQL's metric queries, whose
// leaves are log-range aggregations such as count_over_time({app="api"} |= "x" [5m]). The
// parser reads the operator layer (numbers, parentheses, binary operators with their
// modifiers, aggregations, function calls) and hands each leaf's text to the dialect; PromQL's
// own selectors, subqueries, offset and @ are refused, and so are the aggregations, functions
// and operators the dialect does not have.
//
// Thread safety: implementations are immutable and may be used by several parses at once.
class Dialect {
 public:
  virtual ~Dialect() = default;
  // The language's name in messages ("LogQL").
  virtual std::string_view name() const = 0;
  // Whether a call to `function` starts one of the dialect's leaves.
  virtual bool IsLeaf(std::string_view function) const = 0;
  // Parses the leaf whose function name starts at byte `offset` of `query`. On success sets
  // *end to the byte after the leaf, where the operator layer goes on. Errors are parse errors
  // (parse_error.h) with positions in `query`.
  virtual absl::StatusOr<std::unique_ptr<Leaf>> ParseLeaf(std::string_view query, size_t offset,
                                                          size_t* end) const = 0;
  virtual bool HasAggregation(AggregateOp op) const = 0;
  virtual bool HasFunction(std::string_view name) const = 0;
  // Whether a leaf may be written where the operator layer expects an expression without a
  // function around it (PromQL's selectors): `token` is what was found there, which the
  // dialect names in its error.
  virtual std::string BareLeafError(std::string_view token) const = 0;
};

// Parses `text` in `dialect` (see Dialect), with the checks of Parse().
absl::StatusOr<ExprPtr> Parse(std::string_view text, const Limits& limits, const Dialect& dialect);

}  // namespace vigie::promql
