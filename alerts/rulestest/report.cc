#include "alerts/rulestest/report.h"

#include <charconv>
#include <cmath>

#include "common/strings.h"
#include "query/promql/literals.h"

namespace vigie::alerts::rulestest {
namespace {

std::string GoQuote(std::string_view value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatLabelSet(const LabelSet& labels) {
  std::map<std::string, std::string> map;
  for (const Label& l : labels.labels()) map[l.name] = l.value;
  return FormatLabelMap(map);
}

// Prefixes every line but the first with `indent` (promtool's indentLines).
std::string IndentLines(std::string_view text, std::string_view indent) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    if (start > 0) out += indent;
    if (end == std::string_view::npos) {
      out += text.substr(start);
      return out;
    }
    out += text.substr(start, end - start + 1);
    start = end + 1;
  }
}

std::string AlertList(const std::vector<AlertInstance>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    std::string one = StrCat("\nLabels:", FormatLabelMap(alerts[i].labels),
                             "\nAnnotations:", FormatLabelMap(alerts[i].annotations));
    out += StrCat(i == 0 ? "\n" : ",\n", i, ":", IndentLines(one, "  "));
  }
  return out + "\n]";
}

std::string SampleList(const std::vector<ResultSample>& samples) {
  if (samples.empty()) return "nil";
  std::string out;
  for (const ResultSample& s : samples) {
    if (!out.empty()) out += ", ";
    out += StrCat(FormatLabelSet(s.labels), " ", FormatFloatE(s.value));
  }
  return out;
}

std::string EvalTime(int64_t ms) { return promql::FormatDuration(ms * 1'000'000); }

// Go's time.Duration.String for whole milliseconds: 0s, 500ms, 1m0s, 1h2m3.5s.
std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  ms = std::abs(ms);
  if (ms < 1000) return StrCat(sign, ms, "ms");
  std::string out = sign;
  if (ms >= 3'600'000) out += StrCat(ms / 3'600'000, "h");
  if (ms >= 60'000) out += StrCat(ms / 60'000 % 60, "m");
  int64_t seconds = ms / 1000 % 60, millis = ms % 1000;
  out += std::to_string(seconds);
  if (millis != 0) {
    std::string frac = StrCat(1000 + millis).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace

std::string FormatLabelMap(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ", ";
    out += name + "=" + GoQuote(value);
  }
  return out + "}";
}

std::string FormatFloatE(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string out(buf, end);
  for (char& c : out) {
    if (c == 'e') c = 'E';
  }
  return out;
}

std::string AlertMismatch(const std::string& group_name, const std::string& alertname,
                          int64_t eval_time_ms, const std::vector<AlertInstance>& expected,
                          const std::vector<AlertInstance>& got) {
  std::string name = group_name.empty() ? "" : StrCat("    name: ", group_name, ",\n");
  constexpr std::string_view kIndent = "            ";
  return StrCat(name, "    alertname: ", alertname, ", time: ", EvalTime(eval_time_ms),
                ", \n        exp:", IndentLines(AlertList(expected), kIndent),
                ", \n        got:", IndentLines(AlertList(got), kIndent));
}

std::string SampleMismatch(const std::string& expr, int64_t eval_time_ms,
                           const std::vector<ResultSample>& expected,
                           const std::vector<ResultSample>& got) {
  return StrCat("    expr: ", GoQuote(expr), ", time: ", EvalTime(eval_time_ms),
                ",\n        exp: ", SampleList(expected), "\n        got: ", SampleList(got));
}

std::string ExprError(const std::string& expr, int64_t eval_time_ms, const std::string& error) {
  return StrCat("    expr: ", GoQuote(expr), ", time: ", EvalTime(eval_time_ms), ", err: ", error);
}

std::string RuleError(const std::string& rule, int64_t ts_ms, const std::string& error) {
  return StrCat("    rule: ", rule, ", time: ", GoDuration(ts_ms), ", err: ", error);
}

}  // namespace vigie::alerts::rulestest
