#include "collector/inputs/metric_names.h"

#include <algorithm>

namespace vigie::collector {

namespace {

void Append(std::string_view text, bool colon_allowed, std::string* out) {
  if (!text.empty() && text[0] >= '0' && text[0] <= '9') out->push_back('_');
  for (char c : text) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || (colon_allowed && c == ':');
    out->push_back(keep ? c : '_');
  }
}

}  // namespace

void AppendPrometheusMetricName(std::string_view text, std::string* out) {
  Append(text, true, out);
}

void AppendPrometheusLabelName(std::string_view text, std::string* out) {
  Append(text, false, out);
}

const char* AddTagLabel(std::string_view name, std::string_view value, std::vector<Label>* labels) {
  if (name.empty()) return "a tag has an empty name";
  std::string mapped;
  AppendPrometheusLabelName(name, &mapped);
  if (IsReservedLabelName(mapped)) return "a tag name starts with __ (reserved)";
  auto same = std::find_if(labels->begin(), labels->end(),
                           [&](const Label& l) { return l.name == mapped; });
  if (same != labels->end()) {
    same->value = std::string(value);
  } else {
    labels->push_back({std::move(mapped), std::string(value)});
  }
  return nullptr;
}

}  // namespace vigie::collector
