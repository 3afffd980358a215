#include "cli/push_labels.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::cli {

std::optional<std::vector<Label>> ParseLabels(const std::vector<std::string>& flags) {
  std::vector<Label> labels;
  for (const std::string& flag : flags) {
    size_t eq = flag.find('=');
    std::string error;
    if (eq == std::string::npos) {
      error = StrCat("--label takes name=value, got \"", EscapeForMessage(flag), "\"");
    } else {
      Label label{flag.substr(0, eq), flag.substr(eq + 1)};
      std::string name = EscapeForMessage(label.name);
      const std::string& v = label.value;
      if (!IsValidLabelName(label.name)) {
        error =
            StrCat("label name \"", name, "\" is invalid: it must match [a-zA-Z_][a-zA-Z0-9_]*");
      } else if (label.name.starts_with("__")) {
        error = StrCat("label name \"", name, "\" starts with __, which is reserved");
      } else if (v.empty()) {
        error = StrCat("label ", name, " has an empty value: give one, or leave the label out");
      } else if (!IsValidUtf8(v)) {
        error = StrCat("label ", name, "'s value \"", EscapeForMessage(v), "\" is not valid UTF-8");
      } else if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'') && v.back() == v[0]) {
        // Valid UTF-8, so shown as typed.
        error = StrCat("label ", name, "'s value ", v, " is quoted: drop the quotes (--label ",
                       name, "=", v.substr(1, v.size() - 2), "), or they are stored as part of it");
      } else if (std::any_of(labels.begin(), labels.end(),
                             [&](const Label& l) { return l.name == label.name; })) {
        error = StrCat("label ", name, " is given twice");
      }
      if (error.empty()) labels.push_back(std::move(label));
    }
    if (!error.empty()) {
      fmt::print(stderr, "vigie: {}\n", error);
      return std::nullopt;
    }
  }
  return labels;
}

bool LabelsFit(const std::vector<Label>& labels, size_t added, const v1::IngestLimits& limits) {
  if (labels.size() + added > limits.max_labels_per_stream()) {
    fmt::print(stderr, "vigie: {} labels are more than vigied's limit of {} per stream\n",
               labels.size() + added, limits.max_labels_per_stream());
    return false;
  }
  for (const Label& l : labels) {
    if (l.name.size() > limits.max_label_name_bytes() ||
        l.value.size() > limits.max_label_value_bytes()) {
      fmt::print(stderr,
                 "vigie: label {} is longer than vigied allows ({} bytes for a name, {} for "
                 "a value)\n",
                 EscapeForMessage(l.name), limits.max_label_name_bytes(),
                 limits.max_label_value_bytes());
      return false;
    }
  }
  return true;
}

}  // namespace vigie::cli
