// The value types of PromQL and the table of its functions (names, argument and return types),
// as Prometheus 2.42 defines them. The parser checks calls against the table; the evaluator
// implements each entry.
//
// Thread safety: immutable data.
#pragma once

#include <span>
#include <string_view>

namespace vigie::promql {

enum class ValueType {
  kNone,    // Only for malformed trees; never the type of a parsed expression.
  kScalar,  // A single number: 42, time(), scalar(v).
  kVector,  // An instant vector: one sample per series.
  kMatrix,  // A range vector: the samples of a window per series (foo[5m], subqueries).
  kString,  // A string literal.
};

// Prometheus's name of a type in messages: "scalar", "instant vector", "range vector",
// "string" (and "none").
std::string_view DocumentedName(ValueType type);
// Prometheus's internal name, which some of its messages use: "scalar", "vector", "matrix",
// "string", "none".
std::string_view InternalName(ValueType type);

struct Function {
  std::string_view name;
  std::span<const ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. Otherwise the last argument is optional and may be
  // repeated: from arg_types.size() - 1 to arg_types.size() - 1 + variadic arguments (no upper
  // bound for -1), the extra ones of the last type.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;

  size_t min_args() const { return variadic == 0 ? arg_types.size() : arg_types.size() - 1; }
  // SIZE_MAX when unbounded.
  size_t max_args() const;
  // The expected type of argument `i` (which must be < max_args()).
  ValueType arg_type(size_t i) const;
};

// The function called `name` (case-sensitive, as in Prometheus), or nullptr.
const Function* FindFunction(std::string_view name);

// Every function, sorted by name.
std::span<const Function> AllFunctions();

}  // namespace vigie::promql
