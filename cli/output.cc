#include "cli/output.h"

#include <algorithm>
#include <vector>

#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::cli {

namespace {

// Length of the valid UTF-8 sequence starting at s[0], or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
  }
  // Overlong forms, surrogates and values above U+10FFFF are invalid too.
  if (n == 2 && c < 0xc2) return 0;
  if (n == 3 && ((c == 0xe0 && byte(1) < 0xa0) || (c == 0xed && byte(1) >= 0xa0))) return 0;
  if (n == 4 && ((c == 0xf0 && byte(1) < 0x90) || c > 0xf4 || (c == 0xf4 && byte(1) >= 0x90))) {
    return 0;
  }
  return n;
}

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

void PrintEntry(OutputFormat format, const v1::LabeledEntry& entry, FILE* out) {
  const std::string& line = entry.entry().line();
  if (format == OutputFormat::kText) {
    fwrite(line.data(), 1, line.size(), out);
    fputc('\n', out);
    return;
  }
  std::string json =
      StrCat(R"({"ts": ")", FormatRfc3339Nano(entry.entry().ts_ns()), R"(", "labels": )",
             LabelsJson(entry.labels()), R"(, "line": )", JsonString(line), "}\n");
  fwrite(json.data(), 1, json.size(), out);
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
