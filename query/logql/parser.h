// Parsing LogQL queries: the subset of Loki's language that vigie evaluates. docs/logql.md
// describes the grammar and the semantics.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/ast.h"
#include "query/logql/parse_error.h"

namespace vigie::logql {

// Parses and compiles `text`: a log query ({service="api"} |= "timeout") or a metric query
// (sum by (service) (rate({service=~".+"} |~ "5\\d\\d" [1m]))). On error returns InvalidArgument:
// for a syntax or regex error a parse error whose message names line, column, what was expected
// and what was found, and whose offset ErrorOffset() returns; for a query longer than
// limits.max_query_bytes an error without offset. Never crashes; bounded time and memory on any
// input (nesting is limited to 32 levels).
//
// Thread safety: safe to call concurrently.
absl::StatusOr<Query> Parse(std::string_view text, const Limits& limits);

}  // namespace vigie::logql
