// HTTP's Retry-After header (RFC 9110, 10.2.3): a number of seconds, or an HTTP date.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigie::alerts::notify {

// The delay in milliseconds `value` asks for, seen at `now_ms` (0 for a date in the past);
// nullopt when it is neither a non-negative integer nor an HTTP date (IMF-fixdate, RFC 850 or
// asctime form).
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms);

}  // namespace vigie::alerts::notify
