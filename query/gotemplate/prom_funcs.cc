// Prometheus's template functions (its template/template.go, as of 2.42), with its output
// formats: humanize's SI prefixes, humanizeDuration's "1d 2h 3m 4s", Go's %.4g.
#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "common/go_format.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/gotemplate/alert_data.h"
#include "query/gotemplate/args.h"
#include "query/gotemplate/go_strings.h"
#include "re2/re2.h"

namespace vigie::gotemplate {
namespace {

using Args = std::vector<Value>;
using Result = absl::StatusOr<Value>;

constexpr std::string_view kSampleType = "template.sample";
constexpr std::string_view kQueryResultType = "template.queryResult";

// fmt.Sprintf("%.4g", v): C's %.4g, but Go's +Inf, -Inf and NaN.
std::string G4(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// Prometheus's convertToFloat: float64, int or a string strconv.ParseFloat reads.
absl::StatusOr<double> ToFloat(const Value& v, const Data& data) {
  switch (v.type) {
    case Value::Type::kFloat:
      return v.f;
    case Value::Type::kInt:
      return static_cast<double>(v.i);
    case Value::Type::kString:
      return ParseGoFloat(v.str);
    default:
      return absl::InvalidArgumentError(StrCat("can't convert ", TypeName(v, data), " to float"));
  }
}

// Repeatedly scales v by `step` while |v| is at least `step` (or below 1 when shrinking), up to
// the last of `prefixes`.
std::string Scaled(double v, double step, std::initializer_list<std::string_view> prefixes,
                   bool grow) {
  std::string_view prefix;
  for (std::string_view p : prefixes) {
    if (grow ? std::fabs(v) < step : std::fabs(v) >= 1) break;
    prefix = p;
    v = grow ? v / step : v * step;
  }
  return StrCat(G4(v), prefix);
}
constexpr std::initializer_list<std::string_view> kSmall = {"m", "u", "n", "p", "f", "a", "z", "y"};

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  if (std::fabs(v) >= 1) return Scaled(v, 1000, {"k", "M", "G", "T", "P", "E", "Z", "Y"}, true);
  return Scaled(v, 1000, kSmall, false);
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  return Scaled(v, 1024, {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}, true);
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return StrCat(G4(v), "s");
  if (std::fabs(v) >= 1) {
    std::string_view sign = v < 0 ? "-" : "";
    v = std::fabs(v);
    // Go's int64(v): beyond int64 it is implementation-defined; clamp instead.
    const int64_t duration = v >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(v);
    const int64_t seconds = duration % 60, minutes = duration / 60 % 60,
                  hours = duration / 3600 % 24, days = duration / 86400;
    if (days != 0) return StrCat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s");
    if (hours != 0) return StrCat(sign, hours, "h ", minutes, "m ", seconds, "s");
    if (minutes != 0) return StrCat(sign, minutes, "m ", seconds, "s");
    return StrCat(sign, G4(v), "s");
  }
  return StrCat(Scaled(v, 1000, kSmall, false), "s");
}

// Prometheus's floatToTime: seconds to a time, truncated to milliseconds (model.Time).
absl::StatusOr<int64_t> FloatToTime(double v) {
  if (std::isnan(v) || std::isinf(v)) return absl::InvalidArgumentError("value is NaN or Inf");
  const double ns = v * 1e9;
  if (ns >= 9223372036854775808.0 || ns < -9223372036854775808.0) {
    return absl::InvalidArgumentError(
        StrCat(FormatGoFloat(v),
               " cannot be represented as a nanoseconds timestamp since it overflows "
               "int64"));
  }
  return static_cast<int64_t>(ns) / 1000000 * 1000000;
}

// net.SplitHostPort; false where Go returns an error.
bool SplitHostPort(std::string_view hostport, std::string_view* host, std::string_view* port) {
  const size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0, k = 0;
  if (hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos || end + 1 != i) return false;
    *host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    *host = hostport.substr(0, i);
    if (host->find(':') != std::string_view::npos) return false;
  }
  if (hostport.find('[', j) != std::string_view::npos) return false;
  if (hostport.find(']', k) != std::string_view::npos) return false;
  *port = hostport.substr(i + 1);
  return true;
}

bool IsIp(std::string_view s) {
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

std::string StripDomain(std::string_view hostport) {
  std::string_view host, port;
  if (!SplitHostPort(hostport, &host, &port)) {
    host = hostport;
    port = {};
  }
  if (IsIp(host)) return std::string(hostport);
  host = host.substr(0, host.find('.'));
  if (port.empty()) return std::string(host);
  // net.JoinHostPort brackets a host with a colon.
  return host.find(':') != std::string_view::npos ? StrCat("[", host, "]:", port)
                                                  : StrCat(host, ":", port);
}

// The path of a URL: what follows scheme://authority, up to a query or fragment.
std::string UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  if (scheme != std::string_view::npos) {
    size_t slash = rest.find_first_of("/?#");
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  return std::string(rest.substr(0, rest.find_first_of("?#")));
}

absl::Status SampleArg(const Value& v, const Data& d) {
  if (v.type == Value::Type::kStruct && v.strct->type_name == kSampleType) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("wrong type for value; expected *", kSampleType, "; got ", TypeName(v, d)));
}
absl::Status QueryResultArg(const Value& v, const Data& d) {
  if (v.type == Value::Type::kList && v.list_type == kQueryResultType) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("wrong type for value; expected ", kQueryResultType, "; got ", TypeName(v, d)));
}
const ValueMap& SampleLabels(const Value& sample) { return *sample.strct->fields[0].second.map; }
std::string SampleLabel(const Value& sample, std::string_view name) {
  auto it = SampleLabels(sample).find(name);
  return it == SampleLabels(sample).end() ? std::string() : it->second.str;
}

Value Sample(const QuerySample& s) {
  StructValue v{std::string(kSampleType), /*pointer=*/true, {}};
  v.fields.emplace_back("Labels", Value::StringMap(s.labels));
  v.fields.emplace_back("Value", Value::Float(s.value));
  return Value::Struct(std::move(v));
}

Result Query(Args& a, const Data& d) {
  std::string text;
  if (absl::Status s = StringArg(a[0], &text); !s.ok()) return s;
  const AlertTemplateData& alert = Alert(d);
  if (!alert.query) return absl::UnavailableError("no query engine here to run the query");
  absl::StatusOr<std::vector<QuerySample>> samples = alert.query(text, alert.eval_time);
  if (!samples.ok()) return samples.status();
  ValueList result;
  result.reserve(samples->size());
  for (const QuerySample& s : *samples) result.push_back(Sample(s));
  return Value::List(std::move(result), kQueryResultType);
}

Result SortByLabel(Args& a, const Data& d) {
  std::string label;
  if (absl::Status s = StringArg(a[0], &label); !s.ok()) return s;
  if (absl::Status s = QueryResultArg(a[1], d); !s.ok()) return s;
  ValueList sorted = *a[1].list;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Value& x, const Value& y) {
    return SampleLabel(x, label) < SampleLabel(y, label);
  });
  return Value::List(std::move(sorted), kQueryResultType);
}

// A function of one number (convertToFloat's kinds) that returns a string.
template <std::string (*F)(double)>
Result Number(Args& a, const Data& d) {
  absl::StatusOr<double> v = ToFloat(a[0], d);
  if (!v.ok()) return v.status();
  return Value::String(F(*v));
}
std::string Percentage(double v) { return StrCat(G4(v * 100), "%"); }

// A function of one string that returns a string.
template <std::string (*F)(std::string)>
Result OfString(Args& a, const Data&) {
  std::string s;
  if (absl::Status st = StringArg(a[0], &s); !st.ok()) return st;
  return Value::String(F(std::move(s)));
}
std::string Same(std::string s) { return s; }
std::string Upper(std::string s) { return absl::AsciiStrToUpper(s); }
std::string Lower(std::string s) { return absl::AsciiStrToLower(s); }
std::string GraphLink(std::string expr) {
  return StrCat("/graph?g0.expr=", QueryEscape(expr), "&g0.tab=0");
}
std::string TableLink(std::string expr) {
  return StrCat("/graph?g0.expr=", QueryEscape(expr), "&g0.tab=1");
}
std::string StripPort(std::string hostport) {
  std::string_view host, port;
  return SplitHostPort(hostport, &host, &port) ? std::string(host) : hostport;
}
std::string StripDomainString(std::string hostport) { return StripDomain(hostport); }

const Function kPrometheusFunctions[] = {
    {"query", 1, 1, Query},
    {"first", 1, 1,
     [](Args& a, const Data& d) -> Result {
       if (absl::Status s = QueryResultArg(a[0], d); !s.ok()) return s;
       if (a[0].list->empty()) {
         return absl::InvalidArgumentError("first() called on vector with no elements");
       }
       return a[0].list->front();
     }},
    {"label", 2, 2,
     [](Args& a, const Data& d) -> Result {
       std::string name;
       if (absl::Status s = StringArg(a[0], &name); !s.ok()) return s;
       if (absl::Status s = SampleArg(a[1], d); !s.ok()) return s;
       return Value::String(SampleLabel(a[1], name));
     }},
    {"value", 1, 1,
     [](Args& a, const Data& d) -> Result {
       if (absl::Status s = SampleArg(a[0], d); !s.ok()) return s;
       return a[0].strct->fields[1].second;
     }},
    {"strvalue", 1, 1,
     [](Args& a, const Data& d) -> Result {
       if (absl::Status s = SampleArg(a[0], d); !s.ok()) return s;
       return Value::String(SampleLabel(a[0], "__value__"));
     }},
    {"args", 0, -1,
     [](Args& a, const Data&) -> Result {
       ValueMap m;
       for (size_t i = 0; i < a.size(); ++i) m.emplace(StrCat("arg", i), a[i]);
       return Value::Map(std::move(m), /*elem_is_string=*/false);
     }},
    {"reReplaceAll", 3, 3,
     [](Args& a, const Data&) -> Result {
       std::string pattern, repl, text;
       if (absl::Status s = StringArg(a[0], &pattern); !s.ok()) return s;
       if (absl::Status s = StringArg(a[1], &repl); !s.ok()) return s;
       if (absl::Status s = StringArg(a[2], &text); !s.ok()) return s;
       absl::StatusOr<std::string> out = RegexpReplaceAll(pattern, text, repl, false);
       if (!out.ok()) return out.status();
       return Value::String(*std::move(out));
     }},
    {"match", 2, 2,
     [](Args& a, const Data&) -> Result {
       std::string pattern, text;
       if (absl::Status s = StringArg(a[0], &pattern); !s.ok()) return s;
       if (absl::Status s = StringArg(a[1], &text); !s.ok()) return s;
       re2::RE2 re(pattern, re2::RE2::Quiet);
       if (!re.ok())
         return absl::InvalidArgumentError(StrCat("error parsing regexp: ", re.error()));
       return Value::Bool(re2::RE2::PartialMatch(text, re));
     }},
    {"safeHtml", 1, 1, OfString<Same>},  // In text templates, the text itself.
    {"title", 1, 1, OfString<GoTitle>},
    {"toUpper", 1, 1, OfString<Upper>},
    {"toLower", 1, 1, OfString<Lower>},
    {"graphLink", 1, 1, OfString<GraphLink>},
    {"tableLink", 1, 1, OfString<TableLink>},
    {"sortByLabel", 2, 2, SortByLabel},
    {"stripPort", 1, 1, OfString<StripPort>},
    {"stripDomain", 1, 1, OfString<StripDomainString>},
    {"humanize", 1, 1, Number<Humanize>},
    {"humanize1024", 1, 1, Number<Humanize1024>},
    {"humanizeDuration", 1, 1, Number<HumanizeDuration>},
    {"humanizePercentage", 1, 1, Number<Percentage>},
    {"humanizeTimestamp", 1, 1,
     [](Args& a, const Data& d) -> Result {
       absl::StatusOr<double> v = ToFloat(a[0], d);
       if (!v.ok()) return v.status();
       if (std::isnan(*v) || std::isinf(*v)) return Value::String(G4(*v));
       absl::StatusOr<int64_t> ns = FloatToTime(*v);
       if (!ns.ok()) return ns.status();
       return Value::String(TimeString(*ns));
     }},
    {"toTime", 1, 1,
     [](Args& a, const Data& d) -> Result {
       absl::StatusOr<double> v = ToFloat(a[0], d);
       if (!v.ok()) return v.status();
       absl::StatusOr<int64_t> ns = FloatToTime(*v);
       if (!ns.ok()) return ns.status();
       return Value::Time(*ns);
     }},
    {"pathPrefix", 0, 0,
     [](Args&, const Data& d) -> Result { return Value::String(UrlPath(Alert(d).external_url)); }},
    {"externalURL", 0, 0,
     [](Args&, const Data& d) -> Result { return Value::String(Alert(d).external_url); }},
    {"parseDuration", 1, 1,
     [](Args& a, const Data&) -> Result {
       std::string text;
       if (absl::Status s = StringArg(a[0], &text); !s.ok()) return s;
       absl::StatusOr<int64_t> ns = ParseDuration(text);
       if (!ns.ok()) {
         return absl::InvalidArgumentError(StrCat("not a valid duration string: \"", text, "\""));
       }
       return Value::Float(static_cast<double>(*ns) / 1e9);
     }},
};

}  // namespace

std::span<const Function> PrometheusFunctions() { return kPrometheusFunctions; }

}  // namespace vigie::gotemplate
