#include "query/promql/functions.h"

#include <algorithm>
#include <cstdint>

#include "query/promql/name_table.h"

namespace vigie::promql {
namespace {

using enum ValueType;

// The argument lists of the table, one per signature.
constexpr ValueType kNoArgs[] = {kNone};  // Sliced to an empty span below.
constexpr ValueType kV[] = {kVector};
constexpr ValueType kM[] = {kMatrix};
constexpr ValueType kS[] = {kScalar};
constexpr ValueType kVS[] = {kVector, kScalar};
constexpr ValueType kVSS[] = {kVector, kScalar, kScalar};
constexpr ValueType kMS[] = {kMatrix, kScalar};
constexpr ValueType kMSS[] = {kMatrix, kScalar, kScalar};
constexpr ValueType kSM[] = {kScalar, kMatrix};
constexpr ValueType kSV[] = {kScalar, kVector};
constexpr ValueType kSSV[] = {kScalar, kScalar, kVector};
constexpr ValueType kLabelReplace[] = {kVector, kString, kString, kString, kString};
constexpr ValueType kLabelJoin[] = {kVector, kString, kString, kString};

constexpr std::span<const ValueType> kNothing(kNoArgs, 0);

// Sorted by name. Prometheus 2.42's list; histogram_count, histogram_sum and histogram_fraction
// read native histograms only, which vigie does not store, so they return nothing here.
constexpr Function kFunctions[] = {
    {"abs", kV},
    {"absent", kV},
    {"absent_over_time", kM},
    {"acos", kV},
    {"acosh", kV},
    {"asin", kV},
    {"asinh", kV},
    {"atan", kV},
    {"atanh", kV},
    {"avg_over_time", kM},
    {"ceil", kV},
    {"changes", kM},
    {"clamp", kVSS},
    {"clamp_max", kVS},
    {"clamp_min", kVS},
    {"cos", kV},
    {"cosh", kV},
    {"count_over_time", kM},
    {"day_of_month", kV, 1},
    {"day_of_week", kV, 1},
    {"day_of_year", kV, 1},
    {"days_in_month", kV, 1},
    {"deg", kV},
    {"delta", kM},
    {"deriv", kM},
    {"exp", kV},
    {"floor", kV},
    {"histogram_count", kV},
    {"histogram_fraction", kSSV},
    {"histogram_quantile", kSV},
    {"histogram_sum", kV},
    {"holt_winters", kMSS},
    {"hour", kV, 1},
    {"idelta", kM},
    {"increase", kM},
    {"irate", kM},
    {"label_join", kLabelJoin, -1},
    {"label_replace", kLabelReplace},
    {"last_over_time", kM},
    {"ln", kV},
    {"log10", kV},
    {"log2", kV},
    {"max_over_time", kM},
    {"min_over_time", kM},
    {"minute", kV, 1},
    {"month", kV, 1},
    {"pi", kNothing, 0, kScalar},
    {"predict_linear", kMS},
    {"present_over_time", kM},
    {"quantile_over_time", kSM},
    {"rad", kV},
    {"rate", kM},
    {"resets", kM},
    {"round", kVS, 1},
    {"scalar", kV, 0, kScalar},
    {"sgn", kV},
    {"sin", kV},
    {"sinh", kV},
    {"sort", kV},
    {"sort_desc", kV},
    {"sqrt", kV},
    {"stddev_over_time", kM},
    {"stdvar_over_time", kM},
    {"sum_over_time", kM},
    {"tan", kV},
    {"tanh", kV},
    {"time", kNothing, 0, kScalar},
    {"timestamp", kV},
    {"vector", kS},
    {"year", kV, 1},
};

static_assert(IsSortedByName(kFunctions));

}  // namespace

std::string_view DocumentedName(ValueType type) {
  switch (type) {
    case kVector:
      return "instant vector";
    case kMatrix:
      return "range vector";
    default:
      return InternalName(type);
  }
}

std::string_view InternalName(ValueType type) {
  switch (type) {
    case kNone:
      return "none";
    case kScalar:
      return "scalar";
    case kVector:
      return "vector";
    case kMatrix:
      return "matrix";
    case kString:
      return "string";
  }
  return "none";
}

size_t Function::max_args() const {
  if (variadic < 0) return SIZE_MAX;
  return min_args() + (variadic == 0 ? 0 : static_cast<size_t>(variadic));
}

ValueType Function::arg_type(size_t i) const {
  return arg_types[std::min(i, arg_types.size() - 1)];
}

const Function* FindFunction(std::string_view name) { return FindByName(kFunctions, name); }

std::span<const Function> AllFunctions() { return kFunctions; }

}  // namespace vigie::promql
