// The time flags of vigie's query subcommands: --since and --timeout (durations), --from and
// --to (points in time). Each parser prints what is wrong with the value, naming the flag, and
// returns false.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigie::cli {

// A duration with a unit: one or more <number><unit>, where the number may have a fraction and
// the unit is one of ns, us, µs, ms, s, m, h, d, w, y ("90s", "1.5h", "1h30m"). A bare number is
// refused (seconds or minutes?), and so is a point in time, with a pointer to --from.
bool ParseDurationFlag(std::string_view flag, std::string_view value, int64_t* out);

// RFC 3339 or Unix time; `fallback` when `value` is empty.
bool ParseTimeFlag(std::string_view flag, std::string_view value, int64_t fallback, int64_t* out);

}  // namespace vigie::cli
