#include "collector/inputs/syslog_time.h"

#include <ctime>

#include "common/time.h"

namespace vigie::collector {

namespace {

// Reads exactly `n` digits at `s[pos]`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool ValidClock(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

}  // namespace

bool ParseRfc3339(std::string_view* in, int64_t* ns) {
  std::string_view s = *in;
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second) || !ValidClock(month, day, hour, minute, second)) {
    return false;
  }
  size_t pos = 19;
  int64_t fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = kNanosPerSecond;
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 1) {
        scale /= 10;
        fraction += (s[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == start) return false;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return false;
  }
  if (!SecondsToNanos(UtcSeconds(year, month, day, hour, minute, second) - offset, fraction, ns)) {
    return false;
  }
  in->remove_prefix(pos);
  return true;
}

bool ParseRfc3164Time(std::string_view* in, int64_t now_ns, int64_t* ns) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::string_view s = *in;
  if (s.size() < 15 || s[3] != ' ') return false;
  size_t m = kMonths.find(s.substr(0, 3));
  if (m == std::string_view::npos || m % 3 != 0) return false;
  int month = static_cast<int>(m / 3) + 1, day, year = 0, hour, minute, second;
  if (s[4] == ' ' ? !Digits(s, 5, 1, &day) : !Digits(s, 4, 2, &day)) return false;
  size_t pos = 6;
  if (s[pos] != ' ') return false;
  ++pos;
  if (Digits(s, pos, 4, &year) && pos + 4 < s.size() && s[pos + 4] == ' ') pos += 5;
  if (!Digits(s, pos, 2, &hour) || pos + 8 > s.size() || s[pos + 2] != ':' ||
      !Digits(s, pos + 3, 2, &minute) || s[pos + 5] != ':' || !Digits(s, pos + 6, 2, &second) ||
      !ValidClock(month, day, hour, minute, second)) {
    return false;
  }
  pos += 8;
  time_t now = static_cast<time_t>(now_ns / kNanosPerSecond);
  std::tm local = {};
  localtime_r(&now, &local);
  int64_t seconds;
  if (year != 0) {
    seconds = UtcSeconds(year, month, day, hour, minute, second) - local.tm_gmtoff;
  } else {
    year = local.tm_year + 1900;
    seconds = UtcSeconds(year, month, day, hour, minute, second) - local.tm_gmtoff;
    if (seconds > now + 31 * 86400) {
      seconds = UtcSeconds(year - 1, month, day, hour, minute, second) - local.tm_gmtoff;
    }
  }
  if (!SecondsToNanos(seconds, 0, ns)) return false;
  in->remove_prefix(pos);
  return true;
}

}  // namespace vigie::collector
