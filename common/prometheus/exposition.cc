#include "common/prometheus/exposition.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::exposition {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view SkipBlanks(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsBlank(s[i])) ++i;
  return s.substr(i);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
}

// The length of the metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label name (no ':') at the start
// of `s`; 0 when there is none.
size_t NameLength(std::string_view s, bool metric) {
  size_t i = 0;
  while (i < s.size() && (IsNameChar(s[i]) || (metric && s[i] == ':'))) {
    if (i == 0 && s[i] >= '0' && s[i] <= '9') return 0;
    ++i;
  }
  return i;
}

// The token at the start of `s` up to a blank or the end.
std::string_view Token(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && !IsBlank(s[i])) ++i;
  return s.substr(0, i);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool IsTextType(std::string_view type) {
  return type == "counter" || type == "gauge" || type == "histogram" || type == "summary" ||
         type == "untyped";
}
bool IsOpenMetricsType(std::string_view type) {
  return type == "counter" || type == "gauge" || type == "histogram" || type == "summary" ||
         type == "unknown" || type == "gaugehistogram" || type == "info" || type == "stateset";
}

std::string Quoted(std::string_view text) { return StrCat("\"", EscapeForMessage(text), "\""); }

}  // namespace

ExpositionFormat FormatFromContentType(std::string_view content_type) {
  content_type = SkipBlanks(content_type);
  return content_type.starts_with("application/openmetrics-text") ? ExpositionFormat::kOpenMetrics
                                                                  : ExpositionFormat::kText;
}

std::optional<double> ParseGoFloat(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  std::string_view rest = text;
  if (rest[0] == '+' || rest[0] == '-') {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  double sign = negative ? -1.0 : 1.0;
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    return sign * std::numeric_limits<double>::infinity();
  }
  if (EqualsIgnoreCase(rest, "nan")) return std::numeric_limits<double>::quiet_NaN();
  std::chars_format format = std::chars_format::general;
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    rest.remove_prefix(2);
    format = std::chars_format::hex;
  }
  // from_chars takes no sign of its own here: a second one ("+-1") is not a number.
  if (rest.empty() || rest[0] == '-' || rest[0] == '+') return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value, format);
  if (error != std::errc() || end != rest.data() + rest.size()) return std::nullopt;
  // "inf" and "nan" spelled differently ("infin", "nan(1)") are not Go's.
  if (!std::isfinite(value)) return std::nullopt;
  return sign * value;
}

void ExpositionParser::Parse(std::string_view body, ExpositionFormat format,
                             ExpositionHandler* handler) {
  bool eof = false;
  size_t number = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    const char* start = body.data() + pos;
    const void* newline = std::memchr(start, '\n', body.size() - pos);
    size_t length = newline ? static_cast<const char*>(newline) - start : body.size() - pos;
    std::string_view line(start, length);
    pos += length + 1;
    ++number;
    if (eof) {
      handler->OnError(number, StrCat("line ", number, ": text after # EOF"));
      return;
    }
    std::string error;
    std::string_view content = format == ExpositionFormat::kText ? SkipBlanks(line) : line;
    if (content.empty()) {
      if (format == ExpositionFormat::kOpenMetrics) error = "empty line (OpenMetrics has none)";
    } else if (content[0] == '#') {
      error = ParseComment(content, format, handler, &eof);
    } else {
      error = ParseSample(content, format, handler);
    }
    if (!error.empty()) handler->OnError(number, StrCat("line ", number, ": ", error));
  }
  if (format == ExpositionFormat::kOpenMetrics && !eof) {
    handler->OnError(number + 1, StrCat("line ", number + 1,
                                        ": no # EOF at the end (OpenMetrics ends with it; the "
                                        "body may have been cut short)"));
  }
}

std::string_view ExpositionParser::Unescape(std::string_view escaped, bool quotes) {
  if (escaped.find('\\') == std::string_view::npos) return escaped;
  size_t begin = unescaped_.size();
  for (size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '\\' && i + 1 < escaped.size()) {
      char next = escaped[i + 1];
      if (next == '\\' || next == 'n' || (quotes && next == '"')) {
        unescaped_.push_back(next == 'n' ? '\n' : next);
        ++i;
        continue;
      }
    }
    unescaped_.push_back(c);  // Other escapes stay as written, as Prometheus keeps them.
  }
  return std::string_view(unescaped_).substr(begin);
}

std::string ExpositionParser::ParseComment(std::string_view line, ExpositionFormat format,
                                           ExpositionHandler* handler, bool* eof) {
  bool open_metrics = format == ExpositionFormat::kOpenMetrics;
  if (open_metrics && line == "# EOF") {
    *eof = true;
    return {};
  }
  std::string_view rest = line.substr(1);
  if (rest.empty() || !IsBlank(rest[0])) {
    if (open_metrics) return "a comment other than HELP, TYPE, UNIT or EOF";
    return {};
  }
  rest = SkipBlanks(rest);
  std::string_view keyword = Token(rest);
  bool help = keyword == "HELP";
  bool type = keyword == "TYPE";
  bool unit = open_metrics && keyword == "UNIT";
  if (!help && !type && !unit) {
    if (open_metrics) return StrCat("unknown comment ", Quoted(keyword));
    return {};  // Any other comment of the text format.
  }
  rest = SkipBlanks(rest.substr(keyword.size()));
  size_t name_length = NameLength(rest, true);
  if (name_length == 0) return StrCat("expected a metric name after ", keyword);
  std::string_view metric = rest.substr(0, name_length);
  rest = rest.substr(name_length);
  if (!rest.empty() && !IsBlank(rest[0])) {
    return StrCat("invalid character ", Quoted(rest.substr(0, 1)), " in metric name after ",
                  keyword);
  }
  if (!rest.empty()) rest.remove_prefix(1);  // One blank separates the text.
  unescaped_.clear();
  if (unescaped_.capacity() < rest.size()) unescaped_.reserve(rest.size());
  if (help) {
    handler->OnHelp(metric, Unescape(rest, open_metrics));
  } else if (type) {
    std::string_view name = Token(SkipBlanks(rest));
    if (!(open_metrics ? IsOpenMetricsType(name) : IsTextType(name))) {
      return StrCat("unknown metric type ", Quoted(name), " for ", metric);
    }
    handler->OnType(metric, name);
  } else {
    handler->OnUnit(metric, rest);
  }
  return {};
}

std::string ExpositionParser::ParseLabels(std::string_view* rest, ExpositionFormat format) {
  std::string_view s = rest->substr(1);  // After '{'.
  bool text = format == ExpositionFormat::kText;
  while (true) {
    if (text) s = SkipBlanks(s);
    if (s.empty()) return "expected a label name or '}' before the end of the line";
    if (s[0] == '}') break;
    size_t name_length = NameLength(s, false);
    if (name_length == 0) return StrCat("expected a label name at ", Quoted(s.substr(0, 16)));
    std::string_view name = s.substr(0, name_length);
    s = s.substr(name_length);
    if (text) s = SkipBlanks(s);
    if (s.empty() || s[0] != '=') return StrCat("expected '=' after label name ", Quoted(name));
    s = s.substr(1);
    if (text) s = SkipBlanks(s);
    if (s.empty() || s[0] != '"') return StrCat("expected '\"' to open the value of ", name);
    size_t end = 1;
    while (end < s.size() && s[end] != '"') end += s[end] == '\\' ? 2 : 1;
    if (end >= s.size()) return StrCat("the value of label ", name, " has no closing '\"'");
    std::string_view value = Unescape(s.substr(1, end - 1), true);
    if (!IsValidUtf8(value)) return StrCat("the value of label ", name, " is not valid UTF-8");
    if (name == "__name__") return "__name__ among the labels (it is the metric name)";
    for (const LabelView& seen : labels_) {
      if (seen.name == name) return StrCat("label ", name, " appears twice");
    }
    labels_.push_back(LabelView{name, value});
    s = s.substr(end + 1);
    if (text) s = SkipBlanks(s);
    if (!s.empty() && s[0] == ',') {
      s = s.substr(1);
    } else if (s.empty() || s[0] != '}') {
      return StrCat("expected ',' or '}' after the value of label ", name);
    }
  }
  *rest = s.substr(1);  // After '}'.
  return {};
}

std::string ExpositionParser::ParseSample(std::string_view line, ExpositionFormat format,
                                          ExpositionHandler* handler) {
  size_t name_length = NameLength(line, true);
  if (name_length == 0) return StrCat("expected a metric name at ", Quoted(line.substr(0, 16)));
  ExpositionSample sample;
  sample.name = line.substr(0, name_length);
  std::string_view rest = line.substr(name_length);
  labels_.clear();
  unescaped_.clear();
  if (unescaped_.capacity() < line.size()) unescaped_.reserve(line.size());
  bool text = format == ExpositionFormat::kText;
  // The text format allows blanks between the name and the labels.
  if (std::string_view labels = text ? SkipBlanks(rest) : rest; labels.starts_with('{')) {
    rest = labels;
    if (std::string error = ParseLabels(&rest, format); !error.empty()) return error;
  }
  sample.series = line.substr(0, line.size() - rest.size());
  if (rest.empty() || !IsBlank(rest[0])) {
    return rest.empty() ? StrCat("no value for ", sample.name)
                        : StrCat("unexpected ", Quoted(rest.substr(0, 1)), " after ", sample.name);
  }
  rest = SkipBlanks(rest);
  std::string_view value = Token(rest);
  std::optional<double> parsed = ParseGoFloat(value);
  if (!parsed) return StrCat("value ", Quoted(value), " of ", sample.name, " is not a number");
  sample.value = *parsed;
  rest = SkipBlanks(rest.substr(value.size()));
  if (!rest.empty() && !(rest[0] == '#' && !text)) {
    std::string_view stamp = Token(rest);
    if (text) {
      int64_t ms = 0;
      auto [end, error] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ms);
      if (error != std::errc() || end != stamp.data() + stamp.size()) {
        return StrCat("timestamp ", Quoted(stamp), " is not an integer of milliseconds");
      }
      sample.timestamp_ms = ms;
    } else {
      std::optional<double> seconds = ParseGoFloat(stamp);
      if (!seconds || !std::isfinite(*seconds) || std::abs(*seconds) > 9.2e15) {
        return StrCat("timestamp ", Quoted(stamp), " is not a number of seconds");
      }
      sample.timestamp_ms = static_cast<int64_t>(*seconds * 1000);
    }
    rest = SkipBlanks(rest.substr(stamp.size()));
  }
  // OpenMetrics' exemplar (" # {trace_id=...} 1 ts") is skipped: nothing stores exemplars yet.
  if (!rest.empty() && !(rest[0] == '#' && !text)) {
    return StrCat("unexpected ", Quoted(rest.substr(0, 16)), " after the value of ", sample.name);
  }
  sample.labels = labels_;
  handler->OnSample(sample);
  return {};
}

}  // namespace vigie::exposition
