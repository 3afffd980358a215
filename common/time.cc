#include "common/time.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "common/strings.h"

namespace vigie {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

struct Unit {
  std::string_view suffix;
  int64_t nanos;
};
// Longest suffixes first so that "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000},
    {"ms", kNanosPerMilli},
    {"s", kNanosPerSecond},
    {"m", 60 * kNanosPerSecond},
    {"h", 3600 * kNanosPerSecond},
    {"d", 86400 * kNanosPerSecond},
    {"w", 7 * 86400 * kNanosPerSecond},
    {"y", 365 * 86400 * kNanosPerSecond},
};

}  // namespace

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        StrCat("duration \"", text, "\": ", why, " (write e.g. 30s, 5m, 2h, 30d, 1h30m)"));
  };
  if (text.empty()) return bad("is empty");
  double seconds;
  if (ParseNumber(text, &seconds)) {
    if (!(seconds >= 0) || seconds > 9e9) return bad("is out of range");
    return static_cast<int64_t>(std::llround(seconds * kNanosPerSecond));
  }
  int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) return bad("expected a number");
    int64_t n = 0;
    if (std::from_chars(rest.data(), rest.data() + digits, n).ec != std::errc()) {
      return bad("number is too large");
    }
    rest.remove_prefix(digits);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (rest.substr(0, u.suffix.size()) == u.suffix &&
          (u.suffix != "m" || rest.substr(0, 2) != "ms")) {
        if (!unit || u.suffix.size() > unit->suffix.size()) unit = &u;
      }
    }
    if (!unit) return bad("expected a unit (ns, us, ms, s, m, h, d, w, y)");
    rest.remove_prefix(unit->suffix.size());
    if (n > INT64_MAX / unit->nanos || total > INT64_MAX - n * unit->nanos) {
      return bad("is too large");
    }
    total += n * unit->nanos;
  }
  return total;
}

std::string FormatDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string out;
  if (nanos < 0) {
    out = "-";
    nanos = -nanos;
  }
  if (nanos % kNanosPerSecond != 0 && nanos < 60 * kNanosPerSecond) {
    if (nanos % kNanosPerMilli == 0) return StrCat(out, nanos / kNanosPerMilli, "ms");
    return StrCat(out, nanos, "ns");
  }
  for (std::string_view suffix : {"d", "h", "m", "s"}) {
    const Unit* u = nullptr;
    for (const Unit& c : kUnits) {
      if (c.suffix == suffix) u = &c;
    }
    if (nanos >= u->nanos) {
      StrAppend(&out, nanos / u->nanos, suffix);
      nanos %= u->nanos;
    }
  }
  if (nanos > 0) StrAppend(&out, nanos / kNanosPerMilli, "ms");
  return out;
}

std::string FormatRfc3339Nano(int64_t nanos) {
  int64_t secs = nanos / kNanosPerSecond;
  int64_t frac = nanos % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::string FormatRfc3339Millis(int64_t millis) {
  std::string text = FormatRfc3339Nano(millis * kNanosPerMilli);  // ...:SS.mmm000000Z
  text.erase(text.size() - 7, 6);
  if (text.ends_with(".000Z")) text.erase(text.size() - 5, 4);
  return text;
}

absl::StatusOr<int64_t> ParseTime(std::string_view text) {
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        StrCat("time \"", text,
               "\" is not RFC 3339 (2024-05-01T12:00:00Z), Unix seconds or Unix nanoseconds"));
  };
  int64_t integer;
  if (ParseNumber(text, &integer)) {
    if (text.size() > 10) return integer;
    if (integer > INT64_MAX / kNanosPerSecond || integer < INT64_MIN / kNanosPerSecond)
      return bad();
    return integer * kNanosPerSecond;
  }
  double seconds;
  if (ParseNumber(text, &seconds)) {
    if (!std::isfinite(seconds) || std::fabs(seconds) > 9e9) return bad();
    return static_cast<int64_t>(std::llround(seconds * 1e9));
  }
  // RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  int year, mon, day, hour, min, sec;
  int consumed = 0;
  std::string s(text);
  if (sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
             &consumed) != 6) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return bad();
  std::string_view rest = std::string_view(s).substr(consumed);
  int64_t frac_nanos = 0;
  if (!rest.empty() && rest[0] == '.') {
    rest.remove_prefix(1);
    int64_t scale = 100'000'000;
    size_t n = 0;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      frac_nanos += (rest[n] - '0') * scale;
      scale /= 10;
      ++n;
    }
    if (n == 0) return bad();
    rest.remove_prefix(n);
  }
  int64_t offset_secs = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh, om;
    if (sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) return bad();
    offset_secs = (oh * 3600 + om * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return bad();
  }
  int64_t nanos;
  if (!SecondsToNanos(UtcSeconds(year, mon, day, hour, min, sec) - offset_secs, frac_nanos,
                      &nanos)) {
    return absl::InvalidArgumentError(
        StrCat("time \"", text, "\" is outside the years 1678 to 2261 that vigie can store"));
  }
  return nanos;
}

bool SecondsToNanos(int64_t seconds, int64_t fraction_ns, int64_t* nanos) {
  if (seconds > (INT64_MAX - fraction_ns) / kNanosPerSecond ||
      seconds < INT64_MIN / kNanosPerSecond) {
    return false;
  }
  *nanos = seconds * kNanosPerSecond + fraction_ns;
  return true;
}

int64_t UtcSeconds(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace vigie
