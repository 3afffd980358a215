// The templates of alerting rules' labels and annotations ({{ $labels.service }},
// {{ $value | humanize }}), as Prometheus expands them: with $labels, $value, $externalLabels
// and $externalURL defined, and a failed expansion giving "<error expanding template: ...>".
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace vigie::alerts::rules {

struct TemplateData {
  const std::map<std::string, std::string>* labels = nullptr;  // The alert's, from the sample.
  double value = 0;
  const std::map<std::string, std::string>* external_labels = nullptr;
  std::string_view external_url;
  int64_t ts_ms = 0;  // The evaluation time.
};

// Whether `text` is a template that parses (rule files are checked with it at load).
absl::Status CheckTemplate(std::string_view text);

// `text` expanded with `data`; `name` names the template in errors ("__alert_Http404Spike").
std::string ExpandTemplate(std::string_view name, std::string_view text, const TemplateData& data);

}  // namespace vigie::alerts::rules
