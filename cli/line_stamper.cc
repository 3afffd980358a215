#include "cli/line_stamper.h"

#include <algorithm>
#include <ctime>

#include "common/time.h"

namespace vigie::cli {

int64_t LineStamper::Stamp(std::string_view line) {
  if (!format_.empty()) {
    if (auto parsed = Parse(line)) return *parsed;
    ++unparsed_;
  }
  int64_t now = NowNanos();
  last_ = std::max(now, last_ + 1);
  return last_;
}

std::optional<int64_t> LineStamper::Parse(std::string_view line) {
  std::string head(line.substr(0, 128));
  const char* text = head.c_str();
  if (*text == '[') ++text;
  if (format_ == "rfc3339") {
    auto t = ParseTime(std::string_view(text).substr(0, std::string_view(text).find(' ')));
    if (t.ok()) return *t;
    return std::nullopt;
  }
  struct tm tm = {};
  if (!strptime(text, format_.c_str(), &tm)) return std::nullopt;
  if (tm.tm_year == 0) {  // Formats without a year (syslog): this year.
    time_t now = time(nullptr);
    struct tm current;
    gmtime_r(&now, &current);
    tm.tm_year = current.tm_year;
  }
  int64_t nanos;
  if (!SecondsToNanos(timegm(&tm), 0, &nanos)) return std::nullopt;  // Beyond 2262.
  return nanos;
}

}  // namespace vigie::cli
