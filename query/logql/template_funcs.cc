// The functions of Loki's templates (pkg/logql/log/fmt.go: its own and the sprig ones it
// enables), each with Go's argument order: a piped value comes last.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/go_format.h"
#include "common/strings.h"
#include "query/gotemplate/args.h"
#include "query/gotemplate/go_strings.h"
#include "query/logql/label_filter.h"
#include "query/logql/template_funcs.h"
#include "re2/re2.h"

namespace vigie::logql {
namespace {

using gotemplate::Data;
using gotemplate::FormatTime;
using gotemplate::Function;
using gotemplate::kMaxOutput;
using gotemplate::Truth;
using gotemplate::Value;

using Args = std::vector<Value>;

bool Consume(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}
using Result = absl::StatusOr<Value>;

absl::Status Str(const Value& v, std::string* out) { return gotemplate::StringArg(v, out); }
absl::Status Int(const Value& v, int64_t* out) { return gotemplate::IntArg(v, out); }
absl::Status TimeArg(const Value& v, int64_t* ns) {
  if (v.type != Value::Type::kTime) return gotemplate::WrongType(v, "time.Time");
  *ns = v.i;
  return absl::OkStatus();
}

// sprig's toInt64/toFloat64 (spf13/cast): anything goes, what does not convert is 0.
int64_t ToInt64(const Value& v) {
  switch (v.type) {
    case Value::Type::kInt:
    case Value::Type::kTime:
      return v.i;
    case Value::Type::kFloat:
      // Go's int64(f) beyond int64 (and of NaN) is what amd64's conversion yields: MinInt64.
      return v.f >= -0x1p63 && v.f < 0x1p63 ? static_cast<int64_t>(v.f)
                                            : std::numeric_limits<int64_t>::min();
    case Value::Type::kBool:
      return v.b;
    case Value::Type::kString: {
      std::string_view s = v.str;
      // cast trims a zero fraction ("12.00" is 12) and reads 0x.. and 0.. prefixes.
      if (size_t dot = s.find('.'); dot != std::string_view::npos &&
                                    s.find_first_not_of('0', dot + 1) == std::string_view::npos) {
        s = s.substr(0, dot);
      }
      bool negative = Consume(&s, "-");
      if (!negative) Consume(&s, "+");
      int base = 10;
      if (Consume(&s, "0x") || Consume(&s, "0X")) {
        base = 16;
      } else if (s.size() > 1 && s[0] == '0') {
        base = 8;
      }
      int64_t out = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
      if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return 0;
      return negative ? -out : out;
    }
    default:
      return 0;
  }
}
double ToFloat64(const Value& v) {
  switch (v.type) {
    case Value::Type::kFloat:
      return v.f;
    case Value::Type::kString: {
      double f = 0;
      return absl::SimpleAtod(v.str, &f) ? f : 0;
    }
    default:
      return static_cast<double>(ToInt64(v));
  }
}

// String functions of one to three string parameters.
template <typename F>
Result Strings(const Args& args, F f) {
  std::string s[3];
  for (size_t i = 0; i < args.size() && i < 3; ++i) {
    if (absl::Status st = Str(args[i], &s[i]); !st.ok()) return st;
  }
  return f(s[0], s[1], s[2]);
}

// The first `n` runes of s (n >= 0), or its last -n runes.
std::string RuneSlice(std::string_view s, int64_t start, int64_t end) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const int64_t n = static_cast<int64_t>(starts.size());
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  size_t from = start == n ? s.size() : starts[start];
  size_t to = end == n ? s.size() : starts[end];
  return std::string(s.substr(from, to - from));
}
int64_t RuneCount(std::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Repeat(std::string_view s, int64_t count) {
  std::string out;
  if (count <= 0 || s.empty()) return out;
  count = std::min<int64_t>(count, kMaxOutput / s.size() + 1);
  out.reserve(s.size() * count);
  for (int64_t i = 0; i < count; ++i) out += s;
  return out;
}

// Go's strings.Trim family: cut the bytes of `cutset` (ASCII sets, as in practice).
std::string_view TrimSet(std::string_view s, std::string_view cutset, bool left, bool right) {
  while (left && !s.empty() && cutset.find(s.front()) != std::string_view::npos) {
    s.remove_prefix(1);
  }
  while (right && !s.empty() && cutset.find(s.back()) != std::string_view::npos) {
    s.remove_suffix(1);
  }
  return s;
}
constexpr std::string_view kGoSpace = " \t\n\v\f\r";

// Go's Regexp.ReplaceAllString (literal=false) and ReplaceAllLiteralString.
Result RegexReplace(const Args& args, bool literal) {
  return Strings(
      args,
      [&](const std::string& pattern, const std::string& src, const std::string& repl) -> Result {
        absl::StatusOr<std::string> out = gotemplate::RegexpReplaceAll(pattern, src, repl, literal);
        if (!out.ok()) return out.status();
        return Value::String(*std::move(out));
      });
}

template <typename F>
Result IntFold(const Args& args, F f) {
  int64_t acc = ToInt64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<int64_t> next = f(acc, ToInt64(args[i]));
    if (!next.ok()) return next.status();
    acc = *next;
  }
  return Value::Int(acc);
}
template <typename F>
Result FloatFold(const Args& args, F f) {
  double acc = ToFloat64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) acc = f(acc, ToFloat64(args[i]));
  return Value::Float(acc);
}
absl::StatusOr<int64_t> DivideByZero() {
  return absl::InvalidArgumentError("runtime error: integer divide by zero");
}

absl::StatusOr<int64_t> UnixToTime(std::string_view s) {
  int64_t v = 0;
  if (!ParseNumber(s, &v)) {
    return absl::InvalidArgumentError(StrCat("unable to parse time '", s, "'"));
  }
  switch (s.size()) {
    case 5:
      return v * 86400 * 1000000000;
    case 10:
      return v * 1000000000;
    case 13:
      return v * 1000000;
    case 16:
      return v * 1000;
    case 19:
      return v;
    default:
      return absl::InvalidArgumentError(StrCat("unable to parse time '", s, "'"));
  }
}

std::string Indent(int64_t spaces, std::string_view s) {
  std::string pad(std::clamp<int64_t>(spaces, 0, 1024), ' ');
  return pad + absl::StrReplaceAll(std::string(s), {{"\n", "\n" + pad}});
}

std::string Align(int64_t count, std::string_view s, bool left) {
  int64_t runes = RuneCount(s);
  if (count < 0 || count == runes) return std::string(s);
  count = std::min<int64_t>(count, kMaxOutput);
  if (count > runes) {
    std::string pad(count - runes, ' ');
    return left ? StrCat(s, pad) : StrCat(pad, s);
  }
  return left ? RuneSlice(s, 0, count) : RuneSlice(s, runes - count, runes);
}

#define STR1(expr)                                                                                 \
  [](Args& a, const Data&) -> Result {                                                             \
    return Strings(a, [](const std::string& x, const std::string&, const std::string&) -> Result { \
      return Value::String(expr);                                                                  \
    });                                                                                            \
  }
#define STR2(expr)                                                                                \
  [](Args& a, const Data&) -> Result {                                                            \
    return Strings(a,                                                                             \
                   [](const std::string& x, const std::string& y, const std::string&) -> Result { \
                     return expr;                                                                 \
                   });                                                                            \
  }
#define STR3(expr)                                                                          \
  [](Args& a, const Data&) -> Result {                                                      \
    return Strings(                                                                         \
        a, [](const std::string& x, const std::string& y, const std::string& z) -> Result { \
          return expr;                                                                      \
        });                                                                                 \
  }
// (int, string) parameters: trunc 5 .x, repeat 3 "ab".
#define INT_STR(expr)                                      \
  [](Args& a, const Data&) -> Result {                     \
    int64_t n = 0;                                         \
    std::string x;                                         \
    if (absl::Status s = Int(a[0], &n); !s.ok()) return s; \
    if (absl::Status s = Str(a[1], &x); !s.ok()) return s; \
    return Value::String(expr);                            \
  }

Result BytesFn(Args& a, const Data&) {
  std::string s;
  if (absl::Status st = Str(a[0], &s); !st.ok()) return st;
  std::optional<uint64_t> v = ParseHumanBytes(s);  // go-humanize's ParseBytes, as Loki's.
  if (!v) return absl::InvalidArgumentError(StrCat("unhandled byte size \"", s, "\""));
  return Value::Float(static_cast<double>(*v));
}
Result DurationFn(Args& a, const Data&) {
  std::string s;
  if (absl::Status st = Str(a[0], &s); !st.ok()) return st;
  std::optional<int64_t> v = ParseGoDuration(s);  // Go's time.ParseDuration, as Loki's.
  if (!v) return absl::InvalidArgumentError(StrCat("time: invalid duration \"", s, "\""));
  return Value::Float(static_cast<double>(*v) / 1e9);
}

const Function kLokiFunctions[] = {
    // Loki's own.
    {"__line__", 0, 0, [](Args&, const Data& d) -> Result {
       return Value::String(std::string(Entry(d).line()));
     }},
    {"__timestamp__", 0, 0, [](Args&, const Data& d) -> Result {
       return Value::Time(Entry(d).timestamp_ns());
     }},
    {"ToLower", 1, 1, STR1(absl::AsciiStrToLower(x))},
    {"ToUpper", 1, 1, STR1(absl::AsciiStrToUpper(x))},
    {"Replace", 4, 4, [](Args& a, const Data&) -> Result {
       std::string s, from, to;
       int64_t n = 0;
       if (absl::Status st = Str(a[0], &s); !st.ok()) return st;
       if (absl::Status st = Str(a[1], &from); !st.ok()) return st;
       if (absl::Status st = Str(a[2], &to); !st.ok()) return st;
       if (absl::Status st = Int(a[3], &n); !st.ok()) return st;
       if (n < 0) return Value::String(absl::StrReplaceAll(s, {{from, to}}));
       std::string out;
       size_t pos = 0;
       for (; n > 0 && !from.empty(); --n) {
         size_t hit = s.find(from, pos);
         if (hit == std::string::npos) break;
         StrAppend(&out, s.substr(pos, hit - pos), to);
         pos = hit + from.size();
       }
       return Value::String(out + s.substr(pos));
     }},
    {"Trim", 2, 2, STR2(Value::String(std::string(TrimSet(x, y, true, true))))},
    {"TrimLeft", 2, 2, STR2(Value::String(std::string(TrimSet(x, y, true, false))))},
    {"TrimRight", 2, 2, STR2(Value::String(std::string(TrimSet(x, y, false, true))))},
    {"TrimPrefix", 2, 2, STR2(Value::String(absl::StartsWith(x, y) ? x.substr(y.size()) : x))},
    {"TrimSuffix", 2, 2,
     STR2(Value::String(absl::EndsWith(x, y) ? x.substr(0, x.size() - y.size()) : x))},
    {"TrimSpace", 1, 1, STR1(std::string(TrimSet(x, kGoSpace, true, true)))},
    {"regexReplaceAll", 3, 3,
     [](Args& a, const Data&) { return RegexReplace(a, false); }},
    {"regexReplaceAllLiteral", 3, 3,
     [](Args& a, const Data&) { return RegexReplace(a, true); }},
    {"count", 2, 2, STR2([&]() -> Result {
       re2::RE2 re(x, re2::RE2::Quiet);
       if (!re.ok()) return absl::InvalidArgumentError(StrCat("error parsing regexp: ", re.error()));
       int64_t n = 0;
       re2::StringPiece input(y);
       re2::StringPiece match;
       size_t pos = 0;
       while (pos <= y.size() &&
              re.Match(y, pos, y.size(), re2::RE2::UNANCHORED, &match, 1)) {
         ++n;
         size_t end = match.data() - y.data() + match.size();
         pos = end > pos ? end : pos + 1;
       }
       return Value::Int(n);
     }())},
    {"urlencode", 1, 1, STR1(gotemplate::QueryEscape(x))},
    {"urldecode", 1, 1, STR1([&] {
       std::string out;
       for (size_t i = 0; i < x.size(); ++i) {
         auto hex = [](char c) { return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10; };
         if (x[i] == '%' && i + 2 < x.size() && absl::ascii_isxdigit(x[i + 1]) &&
             absl::ascii_isxdigit(x[i + 2])) {
           out += static_cast<char>(hex(x[i + 1]) * 16 + hex(x[i + 2]));
           i += 2;
         } else {
           out += x[i] == '+' ? ' ' : x[i];
         }
       }
       return out;
     }())},
    {"bytes", 1, 1, BytesFn},
    {"duration", 1, 1, DurationFn},
    {"duration_seconds", 1, 1, DurationFn},
    {"unixEpochMillis", 1, 1, [](Args& a, const Data&) -> Result {
       int64_t ns = 0;
       if (absl::Status s = TimeArg(a[0], &ns); !s.ok()) return s;
       return Value::String(StrCat(absl::ToUnixMillis(absl::FromUnixNanos(ns))));
     }},
    {"unixEpochNanos", 1, 1, [](Args& a, const Data&) -> Result {
       int64_t ns = 0;
       if (absl::Status s = TimeArg(a[0], &ns); !s.ok()) return s;
       return Value::String(StrCat(ns));
     }},
    {"unixEpoch", 1, 1, [](Args& a, const Data&) -> Result {
       int64_t ns = 0;
       if (absl::Status s = TimeArg(a[0], &ns); !s.ok()) return s;
       return Value::String(StrCat(absl::ToUnixSeconds(absl::FromUnixNanos(ns))));
     }},
    {"unixToTime", 1, 1, [](Args& a, const Data&) -> Result {
       std::string s;
       if (absl::Status st = Str(a[0], &s); !st.ok()) return st;
       absl::StatusOr<int64_t> ns = UnixToTime(s);
       if (!ns.ok()) return ns.status();
       return Value::Time(*ns);
     }},
    {"date", 2, 2, [](Args& a, const Data&) -> Result {
       std::string layout;
       if (absl::Status s = Str(a[0], &layout); !s.ok()) return s;
       // sprig: a time, or Unix seconds as a number (saturated: seconds past year 2262 overflow
       // nanoseconds).
       int64_t ns = a[1].type == Value::Type::kTime
                        ? a[1].i
                        : absl::ToUnixNanos(absl::FromUnixSeconds(ToInt64(a[1])));
       return Value::String(FormatTime(layout, ns));
     }},
    {"now", 0, 0, [](Args&, const Data&) -> Result {
       return Value::Time(absl::GetCurrentTimeNanos());
     }},
    {"alignLeft", 2, 2, INT_STR(Align(n, x, true))},
    {"alignRight", 2, 2, INT_STR(Align(n, x, false))},
    // sprig's, as Loki enables them.
    {"lower", 1, 1, STR1(absl::AsciiStrToLower(x))},
    {"upper", 1, 1, STR1(absl::AsciiStrToUpper(x))},
    {"title", 1, 1, STR1(gotemplate::GoTitle(x))},
    {"trunc", 2, 2,
     INT_STR(n >= 0 ? RuneSlice(x, 0, n) : RuneSlice(x, RuneCount(x) + n, RuneCount(x)))},
    {"substr", 3, 3, [](Args& a, const Data&) -> Result {
       int64_t start = 0, end = 0;
       std::string s;
       if (absl::Status st = Int(a[0], &start); !st.ok()) return st;
       if (absl::Status st = Int(a[1], &end); !st.ok()) return st;
       if (absl::Status st = Str(a[2], &s); !st.ok()) return st;
       int64_t n = RuneCount(s);
       if (start < 0) return Value::String(end < 0 ? "" : RuneSlice(s, 0, end));
       if (end < 0 || end > n) end = n;
       return Value::String(start > end ? "" : RuneSlice(s, start, end));
     }},
    {"contains", 2, 2, STR2(Value::Bool(absl::StrContains(y, x)))},
    {"hasPrefix", 2, 2, STR2(Value::Bool(absl::StartsWith(y, x)))},
    {"hasSuffix", 2, 2, STR2(Value::Bool(absl::EndsWith(y, x)))},
    {"indent", 2, 2, INT_STR(Indent(n, x))},
    {"nindent", 2, 2, INT_STR("\n" + Indent(n, x))},
    {"replace", 3, 3, STR3(Value::String(x.empty() ? z : absl::StrReplaceAll(z, {{x, y}})))},
    {"repeat", 2, 2, INT_STR(Repeat(x, n))},
    {"trim", 1, 1, STR1(std::string(TrimSet(x, kGoSpace, true, true)))},
    {"trimAll", 2, 2, STR2(Value::String(std::string(TrimSet(y, x, true, true))))},
    {"trimPrefix", 2, 2, STR2(Value::String(absl::StartsWith(y, x) ? y.substr(x.size()) : y))},
    {"trimSuffix", 2, 2,
     STR2(Value::String(absl::EndsWith(y, x) ? y.substr(0, y.size() - x.size()) : y))},
    {"b64enc", 1, 1, STR1(absl::Base64Escape(x))},
    {"b64dec", 1, 1, STR1([&] {
       std::string out;
       return absl::Base64Unescape(x, &out) ? out : std::string("illegal base64 data");
     }())},
    {"int", 1, 1, [](Args& a, const Data&) -> Result { return Value::Int(ToInt64(a[0])); }},
    {"float64", 1, 1,
     [](Args& a, const Data&) -> Result { return Value::Float(ToFloat64(a[0])); }},
    {"add", 1, -1, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         return static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
       });
     }},
    {"sub", 2, 2, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         return static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
       });
     }},
    {"mul", 1, -1, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         return static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
       });
     }},
    {"div", 2, 2, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         if (y == 0) return DivideByZero();
         return y == -1 ? static_cast<int64_t>(0 - static_cast<uint64_t>(x)) : x / y;
       });
     }},
    {"mod", 2, 2, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         if (y == 0) return DivideByZero();
         return y == -1 ? 0 : x % y;
       });
     }},
    {"max", 1, -1, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         return std::max(x, y);
       });
     }},
    {"min", 1, -1, [](Args& a, const Data&) {
       return IntFold(a, [](int64_t x, int64_t y) -> absl::StatusOr<int64_t> {
         return std::min(x, y);
       });
     }},
    {"addf", 1, -1,
     [](Args& a, const Data&) { return FloatFold(a, [](double x, double y) { return x + y; }); }},
    {"subf", 1, -1,
     [](Args& a, const Data&) { return FloatFold(a, [](double x, double y) { return x - y; }); }},
    {"mulf", 1, -1,
     [](Args& a, const Data&) { return FloatFold(a, [](double x, double y) { return x * y; }); }},
    {"divf", 1, -1,
     [](Args& a, const Data&) { return FloatFold(a, [](double x, double y) { return x / y; }); }},
    {"maxf", 1, -1, [](Args& a, const Data&) {
       return FloatFold(a, [](double x, double y) { return std::max(x, y); });
     }},
    {"minf", 1, -1, [](Args& a, const Data&) {
       return FloatFold(a, [](double x, double y) { return std::min(x, y); });
     }},
    {"ceil", 1, 1, [](Args& a, const Data&) -> Result {
       return Value::Float(std::ceil(ToFloat64(a[0])));
     }},
    {"floor", 1, 1, [](Args& a, const Data&) -> Result {
       return Value::Float(std::floor(ToFloat64(a[0])));
     }},
    {"round", 2, 3, [](Args& a, const Data&) -> Result {
       int64_t places = 0;
       if (absl::Status s = Int(a[1], &places); !s.ok()) return s;
       double half = a.size() > 2 ? ToFloat64(a[2]) : 0.5;
       double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(places, -300, 300)));
       double x = ToFloat64(a[0]) * scale;
       double whole = std::trunc(x);
       double rounded = std::fabs(x - whole) >= half ? whole + std::copysign(1.0, x) : whole;
       return Value::Float(rounded / scale);
     }},
    {"default", 1, 2, [](Args& a, const Data& d) -> Result {
       // sprig: the given value, unless it is missing or empty (Go's zero value).
       if (a.size() < 2 || !Truth(a[1], d)) return a[0];
       return a[1];
     }},
};

}  // namespace

std::span<const Function> LokiFunctions() { return kLokiFunctions; }

}  // namespace vigie::logql
