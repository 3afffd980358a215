#include "server/otlp/prom_names.h"

#include <array>
#include <utility>

#include "common/strings.h"

namespace vigie::server::otlp {

namespace {

// UCUM units as the words Prometheus names use (the compatibility spec's table).
constexpr std::array<std::pair<std::string_view, std::string_view>, 29> kUnitWords = {{
    {"d", "days"},          {"h", "hours"},         {"min", "minutes"},    {"s", "seconds"},
    {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
    {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
    {"KBy", "kilobytes"},   {"MBy", "megabytes"},   {"GBy", "gigabytes"},  {"TBy", "terabytes"},
    {"B", "bytes"},         {"KB", "kilobytes"},    {"MB", "megabytes"},   {"GB", "gigabytes"},
    {"TB", "terabytes"},    {"m", "meters"},        {"V", "volts"},        {"A", "amperes"},
    {"J", "joules"},        {"W", "watts"},         {"g", "grams"},        {"Cel", "celsius"},
    {"Hz", "hertz"},
}};

// The unit after "/" (a rate) in the singular: "m/s" is _meters_per_second.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kPerUnitWords = {{
    {"s", "second"},
    {"m", "minute"},
    {"h", "hour"},
    {"d", "day"},
    {"w", "week"},
    {"mo", "month"},
    {"y", "year"},
}};

template <size_t N>
std::string_view Lookup(const std::array<std::pair<std::string_view, std::string_view>, N>& table,
                        std::string_view unit) {
  for (const auto& [ucum, word] : table) {
    if (ucum == unit) return word;
  }
  return {};
}

bool IsNameChar(char c, bool colon_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (colon_allowed && c == ':');
}

// Appends `text` with characters outside the metric name alphabet as '_', no two '_' in a row,
// none leading or trailing (relative to what *out held).
void AppendSanitizedWords(std::string* out, std::string_view text) {
  bool pending_underscore = false;
  for (char c : text) {
    if (!IsNameChar(c, /*colon_allowed=*/true) || c == '_') {
      pending_underscore = true;
      continue;
    }
    if (pending_underscore && !out->empty() && out->back() != '_') out->push_back('_');
    pending_underscore = false;
    out->push_back(c);
  }
}

// A unit's words ("seconds", "meters_per_second"), or "" for none ("{request}", "1" for a
// counter). Unknown units are kept, sanitized, as the spec asks.
std::string UnitSuffix(std::string_view unit, PromKind kind) {
  // Annotations in braces ("{packet}", "By{transmitted}") name no unit.
  std::string bare;
  int depth = 0;
  for (char c : unit) {
    if (c == '{') ++depth;
    if (depth == 0) bare.push_back(c);
    if (c == '}' && depth > 0) --depth;
  }
  std::string_view u = TrimAsciiSpace(bare);
  if (u.empty()) return "";
  if (u == "1") return kind == PromKind::kGauge ? "ratio" : "";
  if (u == "%") return "percent";
  std::string out;
  std::string_view main = u.substr(0, u.find('/'));
  std::string_view word = Lookup(kUnitWords, main);
  AppendSanitizedWords(&out, word.empty() ? main : word);
  if (size_t slash = u.find('/'); slash != std::string_view::npos) {
    std::string_view per = u.substr(slash + 1);
    std::string_view per_word = Lookup(kPerUnitWords, per);
    std::string per_part;
    AppendSanitizedWords(&per_part, per_word.empty() ? per : per_word);
    if (!per_part.empty()) StrAppend(&out, out.empty() ? "per_" : "_per_", per_part);
  }
  return out;
}

// Appends "_<suffix>" unless `name` already ends with that word.
void AppendSuffix(std::string* name, std::string_view suffix) {
  if (suffix.empty()) return;
  if (*name == suffix) return;
  if (name->size() > suffix.size() && name->ends_with(suffix) &&
      (*name)[name->size() - suffix.size() - 1] == '_') {
    return;
  }
  StrAppend(name, name->empty() ? "" : "_", suffix);
}

}  // namespace

std::string PromMetricName(std::string_view name, std::string_view unit, PromKind kind) {
  std::string out;
  AppendSanitizedWords(&out, name);
  AppendSuffix(&out, UnitSuffix(unit, kind));
  if (kind == PromKind::kCounter) AppendSuffix(&out, "total");
  if (out.empty()) return "_";
  if (out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string PromLabelName(std::string_view key) {
  if (key.empty()) return "key_empty";
  std::string out;
  if (key[0] >= '0' && key[0] <= '9') {
    out = "key_";
  } else if (key[0] == '_' || !IsNameChar(key[0], /*colon_allowed=*/false)) {
    out = "key";
  }
  for (char c : key) out.push_back(IsNameChar(c, /*colon_allowed=*/false) ? c : '_');
  return out;
}

}  // namespace vigie::server::otlp
