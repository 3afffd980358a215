// The methods of Go values that templates call, as {{ (toTime $v).Format "15:04" }}: those of
// time.Time.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/gotemplate/value.h"

namespace vigie::gotemplate {

// Calls method `name` of `receiver` (a kTime) with `args`: Format, Unix, UnixMilli, UnixNano,
// UTC, String. Another name fails as Go's "can't evaluate field NAME in type time.Time".
absl::StatusOr<Value> CallMethod(const Value& receiver, std::string_view name,
                                 const std::vector<Value>& args);

}  // namespace vigie::gotemplate
