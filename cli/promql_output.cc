#include "cli/promql_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "cli/output.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::cli {

namespace {

using Labels = google::protobuf::RepeatedPtrField<v1::Label>;

std::string QuoteLabelValue(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

// RFC 3339 to the millisecond, Prometheus's resolution.
std::string FormatTime(int64_t ms) {
  std::string nanos = FormatRfc3339Nano(ms * kNanosPerMilli);
  return nanos.substr(0, nanos.size() - 7) + "Z";  // Drops the 6 sub-millisecond digits.
}

// Prometheus's JSON timestamp: seconds, with the milliseconds as a fraction when not zero.
std::string JsonTime(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  return fmt::format("{}", static_cast<double>(ms) / 1000);
}

std::string JsonPoint(const v1::Sample& p) {
  return StrCat("[", JsonTime(p.ts_ms()), ",\"", PromValueText(p.value()), "\"]");
}

void PrintJson(const v1::PromQueryResponse& result, FILE* out) {
  const std::string& type = result.result_type();
  std::string body;
  if (type == "scalar" && result.series_size() == 1 && result.series(0).points_size() == 1) {
    body = JsonPoint(result.series(0).points(0));
  } else if (type == "string") {
    body =
        StrCat("[", JsonTime(result.string_time_ms()), ",", JsonString(result.string_value()), "]");
  } else {
    body = "[";
    for (const v1::MetricSeries& s : result.series()) {
      if (body.size() > 1) body += ",";
      StrAppend(&body, "{\"metric\":", LabelsJsonObject(s.labels()));
      if (type == "vector" && s.points_size() == 1) {
        StrAppend(&body, ",\"value\":", JsonPoint(s.points(0)), "}");
        continue;
      }
      body += ",\"values\":[";
      for (int i = 0; i < s.points_size(); ++i) {
        StrAppend(&body, i ? "," : "", JsonPoint(s.points(i)));
      }
      body += "]}";
    }
    body += "]";
  }
  fmt::print(out, "{{\"resultType\":{},\"result\":{}}}\n", JsonString(type), body);
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

void PrintCsv(const v1::PromQueryResponse& result, FILE* out) {
  if (result.result_type() == "string") {
    fmt::print(out, "value\n{}\n", CsvField(result.string_value()));
    return;
  }
  std::set<std::string> names;
  for (const v1::MetricSeries& s : result.series()) {
    for (const v1::Label& l : s.labels()) names.insert(l.name());
  }
  std::string header = "time";
  for (const std::string& n : names) StrAppend(&header, ",", CsvField(n));
  fmt::print(out, "{},value\n", header);
  for (const v1::MetricSeries& s : result.series()) {
    std::string labels;
    for (const std::string& n : names) {
      auto it = std::find_if(s.labels().begin(), s.labels().end(),
                             [&](const v1::Label& l) { return l.name() == n; });
      StrAppend(&labels, ",", it == s.labels().end() ? "" : CsvField(it->value()));
    }
    for (const v1::Sample& p : s.points()) {
      fmt::print(out, "{}{},{}\n", FormatTime(p.ts_ms()), labels, PromValueText(p.value()));
    }
  }
}

void PrintTable(const v1::PromQueryResponse& result, FILE* out) {
  const std::string& type = result.result_type();
  if (type == "string") {
    fmt::print(out, "{}\n", result.string_value());
    return;
  }
  if (type == "scalar") {
    for (const v1::MetricSeries& s : result.series()) {
      for (const v1::Sample& p : s.points()) fmt::print(out, "{}\n", PromValueText(p.value()));
    }
    return;
  }
  size_t width = 6;
  for (const v1::MetricSeries& s : result.series()) {
    width = std::max(width, SeriesName(s.labels()).size());
  }
  bool with_time = type == "matrix";
  if (with_time) fmt::print(out, "{:<24}  ", "TIME");
  fmt::print(out, "{:<{}}  VALUE\n", "SERIES", width);
  for (const v1::MetricSeries& s : result.series()) {
    std::string name = SeriesName(s.labels());
    for (const v1::Sample& p : s.points()) {
      if (with_time) fmt::print(out, "{:<24}  ", FormatTime(p.ts_ms()));
      fmt::print(out, "{:<{}}  {}\n", name, width, PromValueText(p.value()));
    }
  }
}

}  // namespace

bool ParsePromOutput(std::string_view name, PromOutput* out) {
  static constexpr std::pair<std::string_view, PromOutput> kNames[] = {
      {"auto", PromOutput::kAuto},
      {"chart", PromOutput::kChart},
      {"table", PromOutput::kTable},
      {"json", PromOutput::kJson},
      {"csv", PromOutput::kCsv}};
  for (auto [n, format] : kNames) {
    if (n == name) {
      *out = format;
      return true;
    }
  }
  return false;
}

std::string SeriesName(const Labels& labels) {
  std::string name, rest;
  for (const v1::Label& l : labels) {
    if (l.name() == "__name__") {
      name = l.value();
      continue;
    }
    StrAppend(&rest, rest.empty() ? "" : ", ", l.name(), "=", QuoteLabelValue(l.value()));
  }
  if (!name.empty() && rest.empty()) return name;
  return StrCat(name, "{", rest, "}");
}

std::string LabelsJsonObject(const Labels& labels) {
  std::string out = "{";
  for (const v1::Label& l : labels) {
    if (out.size() > 1) out += ",";
    StrAppend(&out, JsonString(l.name()), ":", JsonString(l.value()));
  }
  return out + "}";
}

std::string PromValueText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

void PrintPromResult(const v1::PromQueryResponse& result, PromOutput format,
                     const ChartOptions& chart, FILE* out) {
  switch (format) {
    case PromOutput::kJson:
      return PrintJson(result, out);
    case PromOutput::kCsv:
      return PrintCsv(result, out);
    case PromOutput::kChart: {
      std::vector<ChartSeries> series;
      for (const v1::MetricSeries& s : result.series()) {
        ChartSeries& c = series.emplace_back();
        c.name = SeriesName(s.labels());
        for (const v1::Sample& p : s.points()) c.points.emplace_back(p.ts_ms(), p.value());
      }
      fmt::print(out, "{}", RenderChart(series, chart));
      return;
    }
    default:
      return PrintTable(result, out);
  }
}

}  // namespace vigie::cli
