#include "collector/inputs/graphite_parse.h"

#include <charconv>
#include <cmath>

namespace vigie::collector {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The next field of `line` (blank-separated), removed from it; empty at the end.
std::string_view NextField(std::string_view* line) {
  size_t start = 0;
  while (start < line->size() && IsBlank((*line)[start])) ++start;
  size_t end = start;
  while (end < line->size() && !IsBlank((*line)[end])) ++end;
  std::string_view field = line->substr(start, end - start);
  line->remove_prefix(end);
  return field;
}

// A decimal number as Python's float() reads it (what carbon uses), without NaN.
bool ParseNumber(std::string_view text, double* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), *out, std::chars_format::general);
  return error == std::errc() && end == text.data() + text.size() && !std::isnan(*out);
}

// Splits "path;k=v;k2=v2". The reason when a tag is malformed.
const char* SplitTags(std::string_view tagged, GraphiteLine* out) {
  size_t semicolon = tagged.find(';');
  out->path = tagged.substr(0, semicolon);
  while (semicolon != std::string_view::npos) {
    tagged.remove_prefix(semicolon + 1);
    semicolon = tagged.find(';');
    std::string_view tag = tagged.substr(0, semicolon);
    size_t equals = tag.find('=');
    if (equals == std::string_view::npos) return "a tag is not name=value";
    std::string_view name = tag.substr(0, equals), value = tag.substr(equals + 1);
    if (name.empty()) return "a tag has an empty name";
    if (value.empty()) return "a tag has an empty value";
    if (value[0] == '~') return "a tag value starts with ~";
    out->tags.emplace_back(name, value);
  }
  return nullptr;
}

}  // namespace

const char* ParseGraphiteLine(std::string_view line, int64_t now_ms, GraphiteLine* out) {
  out->path = {};
  out->tags.clear();
  std::string_view tagged = NextField(&line);
  if (tagged.empty()) return nullptr;
  std::string_view value = NextField(&line), timestamp = NextField(&line);
  if (timestamp.empty()) return "expected <path> <value> <timestamp>";
  if (!NextField(&line).empty()) return "more than three fields";
  if (const char* why = SplitTags(tagged, out)) return why;
  if (out->path.empty()) return "the path is empty";
  if (!ParseNumber(value, &out->value)) return "the value is not a number";
  if (timestamp == "-1" || timestamp == "N") {
    out->ts_ms = now_ms;
    return nullptr;
  }
  double seconds;
  if (!ParseNumber(timestamp, &seconds) || seconds < 0 || seconds > 1e11) {
    return "the timestamp is not Unix seconds, -1 or N";
  }
  out->ts_ms = std::llround(seconds * 1000);
  return nullptr;
}

}  // namespace vigie::collector
