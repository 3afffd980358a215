#include "cli/output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"

namespace vigie::cli {

namespace {

std::string LabelsJson(const google::protobuf::RepeatedPtrField<v1::Label>& labels) {
  std::string out = "{";
  for (const v1::Label& l : labels) {
    if (out.size() > 1) out += ", ";
    StrAppend(&out, JsonString(l.name()), ": ", JsonString(l.value()));
  }
  return out + "}";
}

std::string LabelsText(const google::protobuf::RepeatedPtrField<v1::Label>& labels) {
  std::vector<Label> list;
  for (const v1::Label& l : labels) list.push_back({l.name(), l.value()});
  auto set = LabelSet::Make(std::move(list));
  return set.ok() ? set->ToString() : "{}";
}

std::string FormatValue(double v) { return fmt::format("{}", v); }

}  // namespace

bool ParseOutputFormat(std::string_view name, OutputFormat* format) {
  if (name == "text") {
    *format = OutputFormat::kText;
  } else if (name == "wide") {
    *format = OutputFormat::kWide;
  } else if (name == "jsonl") {
    *format = OutputFormat::kJsonl;
  } else {
    return false;
  }
  return true;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
    i += n;
  }
  return out + "\"";
}

int TerminalWidth() {
  struct winsize size;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  int columns = 0;
  const char* env = getenv("COLUMNS");
  if (env && ParseNumber(std::string_view(env), &columns) && columns > 0) return columns;
  return 80;
}

bool UseColor(std::string_view when) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
}

void EntryPrinter::Print(const v1::LabeledEntry& entry) {
  const std::string& line = entry.entry().line();
  std::string out;
  if (options_.format == OutputFormat::kJsonl) {
    out = StrCat(R"({"ts": ")", FormatRfc3339Nano(entry.entry().ts_ns()), R"(", "labels": )",
                 LabelsJson(entry.labels()), R"(, "line": )", JsonString(line),
                 entry.context() ? R"(, "context": true})" : "}", "\n");
  } else {
    auto paint = [&](std::string_view code, std::string_view text) {
      if (options_.color) {
        StrAppend(&out, "\x1b[", code, "m\x1b[K", text, "\x1b[m\x1b[K");
      } else {
        out.append(text);
      }
    };
    if (options_.separators && entry.group_start() && printed_) {
      paint("36", "--");
      out += '\n';
    }
    if (options_.format == OutputFormat::kWide) {
      paint("32", FormatRfc3339Nano(entry.entry().ts_ns()));
      out += ' ';
      paint("35", LabelsText(entry.labels()));
      out += ' ';
    }
    size_t done = 0;
    if (options_.color && options_.highlight && !entry.context()) {
      for (auto [begin, end] : options_.highlight->Spans(line)) {
        out.append(line, done, begin - done);
        paint("01;31", std::string_view(line).substr(begin, end - begin));
        done = end;
      }
    }
    out.append(line, done);
    out += '\n';
  }
  printed_ = true;
  fwrite(out.data(), 1, out.size(), out_);
}

void PrintCounts(OutputFormat format,
                 const google::protobuf::RepeatedPtrField<v1::MetricSeries>& series, FILE* out) {
  auto count = [](const v1::MetricSeries& s) {
    return s.points().empty() ? 0 : static_cast<uint64_t>(s.points(0).value());
  };
  if (format == OutputFormat::kJsonl) {
    for (const v1::MetricSeries& s : series) {
      fmt::print(out, "{{\"labels\": {}, \"count\": {}}}\n", LabelsJson(s.labels()), count(s));
    }
  } else if (series.size() <= 1) {
    fmt::print(out, "{}\n", series.empty() ? 0 : count(series[0]));
  } else {
    for (const v1::MetricSeries& s : series) {
      fmt::print(out, "{}:{}\n", LabelsText(s.labels()), count(s));
    }
  }
}

void PrintSeries(OutputFormat format,
                 const google::protobuf::RepeatedPtrField<v1::MetricSeries>& series, FILE* out) {
  if (format == OutputFormat::kJsonl) {
    for (const v1::MetricSeries& s : series) {
      std::string labels = LabelsJson(s.labels());
      for (const v1::Sample& p : s.points()) {
        fmt::print(out, "{{\"ts\": \"{}\", \"labels\": {}, \"value\": {}}}\n",
                   FormatRfc3339Nano(p.ts_ms() * kNanosPerMilli), labels, FormatValue(p.value()));
      }
    }
    return;
  }
  size_t width = 6;
  for (const v1::MetricSeries& s : series) width = std::max(width, LabelsText(s.labels()).size());
  fmt::print(out, "{:<30}  {:<{}}  {}\n", "TIME", "SERIES", width, "VALUE");
  for (const v1::MetricSeries& s : series) {
    std::string labels = LabelsText(s.labels());
    for (const v1::Sample& p : s.points()) {
      fmt::print(out, "{:<30}  {:<{}}  {}\n", FormatRfc3339Nano(p.ts_ms() * kNanosPerMilli), labels,
                 width, FormatValue(p.value()));
    }
  }
}

}  // namespace vigie::cli
