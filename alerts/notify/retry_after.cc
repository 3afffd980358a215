#include "alerts/notify/retry_after.h"

#include <time.h>

#include <algorithm>
#include <string>

#include "common/strings.h"

namespace vigie::alerts::notify {

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms) {
  std::string text(TrimAsciiSpace(value));
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    if (!ParseNumber(std::string_view(text), &seconds) || seconds > 365LL * 86400)
      return std::nullopt;
    return seconds * 1000;
  }
  // IMF-fixdate, then the obsolete RFC 850 and asctime forms the RFC says to accept.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    struct tm tm {};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
    return std::max<int64_t>(0, at_ms - now_ms);
  }
  return std::nullopt;
}

}  // namespace vigie::alerts::notify
