#include "alerts/dispatch/yaml_fields.h"

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts {

absl::Status NodeError(const YAML::Node& node, std::string_view reason) {
  return absl::InvalidArgumentError(StrCat("line ", node.Mark().line + 1, ": ", reason));
}

absl::Status CheckKeys(const YAML::Node& node, std::string_view what,
                       std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) return NodeError(node, StrCat(what, " must be a map"));
  for (const auto& entry : node) {
    const std::string& key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return NodeError(entry.first, StrCat("field ", key, " not found in ", what));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ScalarString(const YAML::Node& node, std::string_view field) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) return NodeError(node, StrCat(field, " must be a string"));
  return node.Scalar();
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    std::string_view field) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) return NodeError(node, StrCat(field, " must be a list"));
  for (const YAML::Node& item : node) {
    auto s = ScalarString(item, field);
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

absl::StatusOr<int64_t> DurationMs(const YAML::Node& node, std::string_view field) {
  auto text = ScalarString(node, field);
  if (!text.ok()) return text.status();
  auto nanos = ParseDuration(*text);
  if (!nanos.ok()) {
    return NodeError(node, StrCat(field, ": not a valid duration string: \"", *text, "\""));
  }
  return *nanos / kNanosPerMilli;
}

absl::StatusOr<bool> Bool(const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  return NodeError(node, StrCat(field, " must be true or false"));
}

}  // namespace vigie::alerts
