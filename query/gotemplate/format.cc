// Go's fmt.Sprintf and time.Format, as far as templates reach them.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/go_format.h"
#include "common/strings.h"
#include "query/gotemplate/template.h"
#include "query/gotemplate/value.h"
#include "query/logql/quote.h"

namespace vigie::gotemplate {
namespace {

struct Spec {
  std::string flags;  // Of "-+# 0".
  int width = -1, precision = -1;
  char verb = 'v';
};

size_t Runes(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `n` runes of s.
std::string_view FirstRunes(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n-- == 0) break;
  }
  return s.substr(0, i);
}

void Pad(const Spec& spec, std::string_view body, std::string* out) {
  size_t len = Runes(body);
  size_t pad = spec.width > 0 && static_cast<size_t>(spec.width) > len ? spec.width - len : 0;
  if (spec.flags.find('-') != std::string::npos) {
    StrAppend(out, body, std::string(pad, ' '));
  } else {
    StrAppend(out, std::string(pad, ' '), body);
  }
}

// Formats a number with the C printf conversion `conv`, whose flags and verbs match Go's for
// integers and floats.
void CFormat(const Spec& spec, char conv, const char* length, double f, int64_t i, bool is_int,
             std::string* out) {
  std::string format = StrCat("%", spec.flags);
  if (spec.width >= 0) StrAppend(&format, spec.width);
  if (spec.precision >= 0) StrAppend(&format, ".", spec.precision);
  StrAppend(&format, length, std::string(1, conv));
  char buf[512];
  int n = is_int ? snprintf(buf, sizeof(buf), format.c_str(), static_cast<long long>(i))
                 : snprintf(buf, sizeof(buf), format.c_str(), f);
  out->append(buf, n < 0 ? 0 : std::min<size_t>(n, sizeof(buf) - 1));
}

void BadVerb(const Spec& spec, const Value& v, const Data& data, std::string* out) {
  if (v.type == Value::Type::kNil) {
    StrAppend(out, "%!", std::string(1, spec.verb), "(<nil>)");
    return;
  }
  StrAppend(out, "%!", std::string(1, spec.verb), "(", TypeName(v, data), "=");
  AppendValue(v, data, out);
  out->append(")");
}

void FormatOne(const Spec& spec, const Value& v, const Data& data, std::string* out) {
  const char verb = spec.verb;
  switch (v.type) {
    case Value::Type::kString:
      if (verb == 's' || verb == 'v') {
        std::string_view s = v.str;
        if (spec.precision >= 0) s = FirstRunes(s, spec.precision);
        return Pad(spec, s, out);
      }
      if (verb == 'q') return Pad(spec, logql::Quote(v.str), out);
      if (verb == 'x' || verb == 'X') {
        std::string hex;
        for (unsigned char c : v.str) {
          StrAppend(&hex, fmt::format("{:02x}", c));
        }
        if (verb == 'X') absl::AsciiStrToUpper(&hex);
        return Pad(spec, hex, out);
      }
      return BadVerb(spec, v, data, out);
    case Value::Type::kInt:
      if (verb == 'v' || verb == 'd') return CFormat(spec, 'd', "ll", 0, v.i, true, out);
      if (verb == 'x' || verb == 'X' || verb == 'o') {
        if (v.i < 0) {  // Go prints a sign and the magnitude; C would print two's complement.
          Spec positive = spec;
          std::string body;
          CFormat(positive, verb, "ll", 0, -v.i, true, &body);
          return Pad(spec, StrCat("-", std::string(absl::StripLeadingAsciiWhitespace(body))), out);
        }
        return CFormat(spec, verb, "ll", 0, v.i, true, out);
      }
      if (verb == 'c') {
        std::string rune;
        if (v.i >= 0 && v.i < 0x80) rune = std::string(1, static_cast<char>(v.i));
        return Pad(spec, rune.empty() ? "\uFFFD" : rune, out);
      }
      if (verb == 'q' && v.i >= 0 && v.i < 0x80) {
        return Pad(spec, StrCat("'", std::string(1, static_cast<char>(v.i)), "'"), out);
      }
      return BadVerb(spec, v, data, out);
    case Value::Type::kFloat:
      if (!std::isfinite(v.f) && std::string_view("vgGeEfF").find(verb) != std::string_view::npos) {
        // Go prints +Inf, -Inf, NaN (with + only when asked) whatever the verb and precision.
        const bool plus = spec.flags.find('+') != std::string::npos;
        return Pad(spec,
                   std::isnan(v.f) ? (plus ? "+NaN" : "NaN")
                   : v.f > 0       ? "+Inf"
                                   : "-Inf",
                   out);
      }
      if (verb == 'v' || (verb == 'g' && spec.precision < 0)) {
        std::string s = FormatGoFloat(v.f);
        if (spec.flags.find('+') != std::string::npos && s[0] != '-' && s[0] != '+') {
          s = "+" + s;
        }
        return Pad(spec, s, out);
      }
      if (verb == 'f' || verb == 'F' || verb == 'e' || verb == 'E' || verb == 'g' || verb == 'G') {
        return CFormat(spec, verb, "", v.f, 0, false, out);
      }
      return BadVerb(spec, v, data, out);
    case Value::Type::kBool:
      if (verb == 't' || verb == 'v') return Pad(spec, v.b ? "true" : "false", out);
      return BadVerb(spec, v, data, out);
    case Value::Type::kNil:
      if (verb == 'v') return Pad(spec, "<nil>", out);
      return BadVerb(spec, v, data, out);
    case Value::Type::kTime:
    case Value::Type::kMap:
    case Value::Type::kList:
    case Value::Type::kStruct:
    case Value::Type::kRoot:
      if (verb == 'v' || verb == 's') {
        std::string s;
        AppendValue(v, data, &s);
        return Pad(spec, s, out);
      }
      return BadVerb(spec, v, data, out);
  }
}

}  // namespace

std::string Sprintf(std::string_view format, const std::vector<Value>& args, const Data& data) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    ++i;
    while (i < format.size() && std::string_view("-+# 0").find(format[i]) != std::string::npos) {
      spec.flags += format[i++];
    }
    auto number = [&](int* n) {
      if (i < format.size() && format[i] == '*') {  // Go takes the width from an int argument.
        ++i;
        if (next < args.size() && args[next].type == Value::Type::kInt) {
          *n = static_cast<int>(std::clamp<int64_t>(args[next++].i, 0, 1 << 16));
        }
        return;
      }
      while (i < format.size() && absl::ascii_isdigit(format[i])) {
        *n = std::min((*n < 0 ? 0 : *n) * 10 + (format[i++] - '0'), 1 << 16);
      }
    };
    number(&spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      number(&spec.precision);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      StrAppend(&out, "%!", std::string(1, spec.verb), "(MISSING)");
      continue;
    }
    FormatOne(spec, args[next++], data, &out);
    if (out.size() > kMaxOutput) break;
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t a = next; a < args.size(); ++a) {
      if (args[a].type == Value::Type::kNil) {
        StrAppend(&out, a > next ? ", " : "", "<nil>");
        continue;
      }
      StrAppend(&out, a > next ? ", " : "", TypeName(args[a], data), "=");
      AppendValue(args[a], data, &out);
    }
    out += ")";
  }
  return out;
}

std::string TimeString(int64_t ns) {
  return FormatTime("2006-01-02 15:04:05.999999999 -0700 MST", ns);
}

std::string FormatTime(std::string_view layout, int64_t ns) {
  const absl::Time t = absl::FromUnixNanos(ns);
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  const int64_t nanos = ((ns % 1000000000) + 1000000000) % 1000000000;
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  static constexpr const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
  const std::string month = kMonths[c.month() - 1];
  const std::string day = kDays[static_cast<int>(absl::GetWeekday(c))];
  const int hour12 = c.hour() % 12 == 0 ? 12 : c.hour() % 12;
  auto two = [](int v) { return StrCat(v < 10 ? "0" : "", v); };
  std::string out;
  size_t i = 0;
  auto take = [&](std::string_view token) {
    if (layout.substr(i, token.size()) != token) return false;
    i += token.size();
    return true;
  };
  while (i < layout.size()) {
    if (take("January")) {
      out += month;
    } else if (take("Jan")) {
      out += month.substr(0, 3);
    } else if (take("Monday")) {
      out += day;
    } else if (take("Mon")) {
      out += day.substr(0, 3);
    } else if (take("MST")) {
      out += "UTC";
    } else if (take("2006")) {
      StrAppend(&out, c.year());
    } else if (take("-07:00:00") || take("-07:00")) {
      out += "+00:00";
    } else if (take("-0700")) {
      out += "+0000";
    } else if (take("-07")) {
      out += "+00";
    } else if (take("Z07:00:00") || take("Z0700") || take("Z07:00") || take("Z07")) {
      out += "Z";
    } else if (take("002")) {
      int yday = static_cast<int>(absl::GetYearDay(absl::CivilDay(c)));
      StrAppend(&out, yday < 100 ? "0" : "", yday < 10 ? "0" : "", yday);
    } else if (take("01")) {
      out += two(c.month());
    } else if (take("02")) {
      out += two(c.day());
    } else if (take("_2")) {
      StrAppend(&out, c.day() < 10 ? " " : "", c.day());
    } else if (take("03")) {
      out += two(hour12);
    } else if (take("04")) {
      out += two(c.minute());
    } else if (take("05")) {
      out += two(c.second());
    } else if (take("06")) {
      out += two(static_cast<int>(c.year() % 100));
    } else if (take("15")) {
      out += two(c.hour());
    } else if (take("PM")) {
      out += c.hour() >= 12 ? "PM" : "AM";
    } else if (take("pm")) {
      out += c.hour() >= 12 ? "pm" : "am";
    } else if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
               (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      const char digit = layout[i + 1];
      size_t n = 1;
      while (i + 1 + n < layout.size() && layout[i + 1 + n] == digit) ++n;
      if (i + 1 + n < layout.size() && absl::ascii_isdigit(layout[i + 1 + n])) {
        out += layout[i++];  // Not a fraction: ".00" followed by more digits.
        continue;
      }
      std::string frac = fmt::format("{:09d}", nanos).substr(0, std::min<size_t>(n, 9));
      if (digit == '9') {
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        if (!frac.empty()) StrAppend(&out, std::string(1, layout[i]), frac);
      } else {
        StrAppend(&out, std::string(1, layout[i]), frac);
      }
      i += 1 + n;
    } else if (take("1")) {
      StrAppend(&out, c.month());
    } else if (take("2")) {
      StrAppend(&out, c.day());
    } else if (take("3")) {
      StrAppend(&out, hour12);
    } else if (take("4")) {
      StrAppend(&out, c.minute());
    } else if (take("5")) {
      StrAppend(&out, c.second());
    } else {
      out += layout[i++];
    }
  }
  return out;
}

}  // namespace vigie::gotemplate
