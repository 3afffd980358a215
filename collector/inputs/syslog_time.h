// Timestamps found in syslog messages.
//
// Thread safety: stateless functions (localtime_r only).
#pragma once

#include <cstdint>
#include <string_view>

namespace vigie::collector {

// Parses an RFC 3339 timestamp ("2024-05-01T12:00:00.123456Z", "...+02:00") at the front of
// `*in`, as RFC 5424 requires; advances `*in` past it. False (and `*in` unchanged) otherwise.
bool ParseRfc3339(std::string_view* in, int64_t* ns);

// Parses an RFC 3164 timestamp ("Mmm dd hh:mm:ss", the day possibly space-padded; also
// "Mmm dd yyyy hh:mm:ss") at the front of `*in` and advances past it. Without a year or a zone,
// it is read in the collector's local time zone, in the year that puts it closest to `now_ns`
// (a December message received in January belongs to the year before).
bool ParseRfc3164Time(std::string_view* in, int64_t now_ns, int64_t* ns);

}  // namespace vigie::collector
