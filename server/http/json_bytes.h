// A JSON reader whose strings are bytes: JSON (RFC 8259) as Loki's Go clients write it, where a
// string may carry bytes that are not valid UTF-8 (Go's encoder passes them through from
// []byte-built strings). nlohmann's parser refuses such a body as a whole, which would lose
// every valid stream beside one bad byte; this one keeps the bytes, so that the Ingester can
// store a line as it came and refuse only a label that is not UTF-8, naming it.
//
// Strings are decoded to bytes: escapes are resolved, a \u escape of a lone surrogate becomes
// its 3-byte (WTF-8) form, which is not valid UTF-8; raw bytes are kept as they are. The rest
// is strict: control characters in strings, trailing commas, comments, NaN are errors.
// Nesting deeper than 100 is refused. Work and memory are linear in the input.
//
// Thread safety: stateless.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace vigie::server::http {

// The document; InvalidArgument naming the line, column and what was expected otherwise.
absl::StatusOr<nlohmann::json> ParseJsonBytes(std::string_view text);

}  // namespace vigie::server::http
