#include "alerts/dispatch/time_interval.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "absl/strings/ascii.h"
#include "alerts/dispatch/yaml_fields.h"
#include "common/strings.h"

namespace vigie::alerts {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

bool ParseInt(std::string_view s, int* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

enum class RangeKind { kWeekday, kDayOfMonth, kMonth, kYear };

absl::StatusOr<int> RangeMember(RangeKind kind, std::string_view s) {
  int n = 0;
  switch (kind) {
    case RangeKind::kWeekday:
      for (size_t i = 0; i < kWeekdays.size(); ++i) {
        if (kWeekdays[i] == s) return static_cast<int>(i);
      }
      return absl::InvalidArgumentError(StrCat(s, " is not a valid weekday"));
    case RangeKind::kMonth:
      for (size_t i = 0; i < kMonths.size(); ++i) {
        if (kMonths[i] == s) return static_cast<int>(i + 1);
      }
      if (ParseInt(s, &n)) return n;
      return absl::InvalidArgumentError(StrCat(s, " is not a valid month"));
    case RangeKind::kDayOfMonth:
    case RangeKind::kYear:
      if (ParseInt(s, &n)) return n;
      return absl::InvalidArgumentError(
          StrCat("strconv.Atoi: parsing \"", s, "\": invalid syntax"));
  }
  return 0;
}

// "a" or "a:b", case-insensitive names, then the checks Alertmanager makes for each kind.
absl::StatusOr<InclusiveRange> ParseRange(RangeKind kind, std::string text) {
  text = absl::AsciiStrToLower(text);
  std::string_view s = text;
  InclusiveRange r;
  size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    if (s.find(':', colon + 1) != std::string_view::npos) {
      return absl::InvalidArgumentError(StrCat("couldn't parse range ", s, ", invalid format"));
    }
    auto begin = RangeMember(kind, s.substr(0, colon));
    if (!begin.ok()) return begin.status();
    auto end = RangeMember(kind, s.substr(colon + 1));
    if (!end.ok()) return end.status();
    r = {*begin, *end};
  } else {
    auto v = RangeMember(kind, s);
    if (!v.ok()) return v.status();
    r = {*v, *v};
  }
  switch (kind) {
    case RangeKind::kWeekday:
      if (r.begin > r.end) return absl::InvalidArgumentError("start day cannot be before end day");
      break;
    case RangeKind::kMonth:
      if (r.begin < 1 || r.end > 12 || r.end < 1 || r.begin > 12) {
        return absl::InvalidArgumentError(StrCat(text, " is not a valid month"));
      }
      if (r.begin > r.end) {
        return absl::InvalidArgumentError(StrCat("end month ", kMonths[r.end - 1],
                                                 " is before start month ", kMonths[r.begin - 1]));
      }
      break;
    case RangeKind::kYear:
      if (r.begin > r.end) {
        return absl::InvalidArgumentError(
            StrCat("end year ", r.end, " is before start year ", r.begin));
      }
      break;
    case RangeKind::kDayOfMonth: {
      for (int d : {r.begin, r.end}) {
        if (d == 0 || d < -31 || d > 31) {
          return absl::InvalidArgumentError(
              StrCat(d, " is not a valid day of the month: out of range"));
        }
      }
      if (r.begin < 0 && r.end > 0) {
        return absl::InvalidArgumentError("end day must be negative if start day is negative");
      }
      int check_begin = r.begin < 0 ? 28 + r.begin : r.begin;
      int check_end = r.end < 0 ? 28 + r.end : r.end;
      if (check_begin > check_end) {
        return absl::InvalidArgumentError(
            StrCat("end day ", r.end, " is always before start day ", r.begin));
      }
      break;
    }
  }
  return r;
}

absl::StatusOr<int> MinuteOfDay(const YAML::Node& node, std::string_view field) {
  auto text = ScalarString(node, field);
  if (!text.ok()) return text.status();
  const std::string& s = *text;
  bool valid = s == "24:00" ||
               (s.size() == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' &&
                std::isdigit(static_cast<unsigned char>(s[1])) && s[3] >= '0' && s[3] <= '5' &&
                std::isdigit(static_cast<unsigned char>(s[4])) && (s[0] < '2' || s[1] <= '3'));
  if (!valid) {
    return NodeError(node, StrCat("couldn't parse timestamp ", s, ", invalid format"));
  }
  return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

absl::Status ParseRanges(const YAML::Node& node, std::string_view field, RangeKind kind,
                         std::vector<InclusiveRange>* out) {
  auto items = StringList(node, field);
  if (!items.ok()) return items.status();
  size_t i = 0;
  for (const std::string& item : *items) {
    auto r = ParseRange(kind, item);
    if (!r.ok()) return NodeError(node[i], StrCat(field, ": ", r.status().message()));
    out->push_back(*r);
    ++i;
  }
  return absl::OkStatus();
}

bool InAny(const std::vector<InclusiveRange>& ranges, int v) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [v](const InclusiveRange& r) { return v >= r.begin && v <= r.end; });
}

int DaysInMonth(int64_t year, int month) {
  absl::CivilDay first(year, month, 1);
  return static_cast<int>(absl::CivilDay(absl::CivilMonth(first) + 1) - first);
}

}  // namespace

absl::StatusOr<TimePeriod> ParseTimePeriod(const YAML::Node& node) {
  if (absl::Status st =
          CheckKeys(node, "time interval",
                    {"times", "weekdays", "days_of_month", "months", "years", "location"});
      !st.ok()) {
    return st;
  }
  TimePeriod p;
  if (const YAML::Node times = node["times"]; times && !times.IsNull()) {
    if (!times.IsSequence()) return NodeError(times, "times must be a list");
    p.has_times = true;
    for (const YAML::Node& t : times) {
      if (absl::Status st = CheckKeys(t, "times", {"start_time", "end_time"}); !st.ok()) return st;
      if (!t["start_time"] || !t["end_time"]) {
        return NodeError(t, "both start and end times must be provided");
      }
      auto start = MinuteOfDay(t["start_time"], "start_time");
      if (!start.ok()) return start.status();
      auto end = MinuteOfDay(t["end_time"], "end_time");
      if (!end.ok()) return end.status();
      if (*start >= *end)
        return NodeError(t, "start time cannot be equal or greater than end time");
      p.times.emplace_back(*start, *end);
    }
  }
  struct Field {
    const char* name;
    RangeKind kind;
    std::vector<InclusiveRange>* out;
    bool* has;
  };
  for (const Field& f :
       {Field{"weekdays", RangeKind::kWeekday, &p.weekdays, &p.has_weekdays},
        Field{"days_of_month", RangeKind::kDayOfMonth, &p.days_of_month, &p.has_days},
        Field{"months", RangeKind::kMonth, &p.months, &p.has_months},
        Field{"years", RangeKind::kYear, &p.years, &p.has_years}}) {
    const YAML::Node n = node[f.name];
    if (!n || n.IsNull()) continue;
    *f.has = true;
    if (absl::Status st = ParseRanges(n, f.name, f.kind, f.out); !st.ok()) return st;
  }
  if (const YAML::Node loc = node["location"]; loc && !loc.IsNull()) {
    auto name = ScalarString(loc, "location");
    if (!name.ok()) return name.status();
    absl::TimeZone tz;
    if (*name == "Local") {
      tz = absl::LocalTimeZone();
    } else if (!absl::LoadTimeZone(*name, &tz)) {
      return NodeError(loc, StrCat("unknown time zone ", *name));
    }
    p.location = tz;
  }
  return p;
}

bool TimePeriod::Contains(int64_t unix_ms) const {
  absl::Time t = absl::FromUnixMillis(unix_ms);
  absl::TimeZone::CivilInfo ci = location.value_or(absl::UTCTimeZone()).At(t);
  const absl::CivilSecond& cs = ci.cs;
  if (has_times) {
    int minute = cs.hour() * 60 + cs.minute();
    if (std::none_of(times.begin(), times.end(),
                     [&](const auto& r) { return minute >= r.first && minute < r.second; })) {
      return false;
    }
  }
  if (has_days) {
    int days = DaysInMonth(cs.year(), cs.month());
    bool in = false;
    for (const InclusiveRange& r : days_of_month) {
      int begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
      int end = r.end < 0 ? days + r.end + 1 : r.end;
      if (begin > days) continue;
      begin = std::clamp(begin, -days, days);
      end = std::clamp(end, -days, days);
      if (cs.day() >= begin && cs.day() <= end) {
        in = true;
        break;
      }
    }
    if (!in) return false;
  }
  if (has_months && !InAny(months, cs.month())) return false;
  if (has_weekdays) {
    int weekday = (static_cast<int>(absl::GetWeekday(absl::CivilDay(cs))) + 1) % 7;  // Sunday 0.
    if (!InAny(weekdays, weekday)) return false;
  }
  if (has_years && !InAny(years, static_cast<int>(cs.year()))) return false;
  return true;
}

bool InTimeIntervals(const TimeIntervals& intervals, const std::vector<std::string>& names,
                     int64_t unix_ms) {
  for (const std::string& name : names) {
    auto it = intervals.find(name);
    if (it == intervals.end()) continue;  // The loader refuses unknown names.
    for (const TimePeriod& p : it->second) {
      if (p.Contains(unix_ms)) return true;
    }
  }
  return false;
}

}  // namespace vigie::alerts
