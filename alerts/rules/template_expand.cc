#include "alerts/rules/template_expand.h"

namespace vigie::alerts::rules {

// Until the template engine is wired in, texts are used as written.
absl::Status CheckTemplate(std::string_view) { return absl::OkStatus(); }

std::string ExpandTemplate(std::string_view, std::string_view text, const TemplateData&) {
  return std::string(text);
}

}  // namespace vigie::alerts::rules
