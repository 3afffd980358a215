// Argument checks for template functions, with Go's messages for a value of the wrong type.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "query/gotemplate/value.h"

namespace vigie::gotemplate {

// "wrong type for value; expected WANT; got TYPE".
absl::Status WrongType(const Value& v, std::string_view want);
// A Go string parameter: only a string fits.
absl::Status StringArg(const Value& v, std::string* out);
// A Go int parameter: only an integer fits.
absl::Status IntArg(const Value& v, int64_t* out);

}  // namespace vigie::gotemplate
