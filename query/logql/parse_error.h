// Parse errors of LogQL queries: an InvalidArgument status whose message names the line and
// column, with the byte offset attached as a status payload so that a caller (the CLI, the HTTP
// API) can draw a caret under the query without parsing the message.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace vigie::logql {

// Returns InvalidArgument "parse error at line L, col C: <message>" pointing at byte `offset` of
// `query` (clamped to its size). Lines and columns count from 1; a column counts UTF-8
// characters, so it matches what a terminal shows. ErrorOffset() returns `offset`.
absl::Status ParseError(std::string_view query, size_t offset, std::string_view message);

// For a status made by ParseError() (and so for any parse error from Parse()): the 0-based byte
// offset it points at. nullopt for any other status, including errors that concern the query as
// a whole (such as its length).
std::optional<size_t> ErrorOffset(const absl::Status& status);

}  // namespace vigie::logql
