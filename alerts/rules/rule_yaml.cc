#include "alerts/rules/rule_yaml.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/time.h"
#include "common/utf8.h"

namespace vigie::alerts::rules {
namespace {

// `text` on one line, valid UTF-8: control characters become escapes (a YAML value may span
// lines; each error is one line).
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : ValidUtf8(text)) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int LineOf(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

void ErrorList::Add(int line, std::string_view message) {
  std::string place = StrCat(file_, ":", line, ": ");
  if (group_) StrAppend(&place, "group \"", *group_, "\"");
  if (group_ && !rule_.empty()) StrAppend(&place, ", rule ", rule_);
  if (group_) place += ": ";
  errors_.push_back(place + OneLine(message));
}

// The keys of mapping `node` after checking that each is one of `known` and appears once.
// Errors go to `errors`; `what` names the mapping ("a group").
bool CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> known,
               std::string_view what, ErrorList* errors) {
  if (!node.IsMap()) {
    errors->Add(LineOf(node), StrCat(what, " must be a mapping"));
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) StrAppend(&list, list.empty() ? "" : ", ", k);
      errors->Add(LineOf(kv.first),
                  StrCat("unknown field \"", key, "\" in ", what, " (its fields: ", list, ")"));
    } else if (!seen.insert(key).second) {
      errors->Add(LineOf(kv.first), StrCat("field \"", key, "\" is given twice"));
    }
  }
  return true;
}

// A scalar field's text; false (with an error) when the node is not a scalar.
bool ScalarOf(const YAML::Node& node, std::string_view field, std::string* out, ErrorList* errors) {
  if (!node.IsScalar()) {
    errors->Add(LineOf(node), StrCat(field, ": must be a single value"));
    return false;
  }
  *out = node.Scalar();
  return true;
}

// A Prometheus duration field ("30s", "5m", "1h30m"); 0 when absent.
int64_t DurationOf(const YAML::Node& parent, std::string_view field, ErrorList* errors) {
  YAML::Node node = parent[std::string(field)];
  std::string text;
  if (!node || node.IsNull() || !ScalarOf(node, field, &text, errors)) return 0;
  auto ns = ParseDuration(text);
  if (!ns.ok() || *ns < 0) {
    errors->Add(LineOf(node), StrCat(field, ": \"", text,
                                     "\" is not a duration (write it as 30s, 5m, 1h30m, 2d)"));
    return 0;
  }
  return *ns / 1'000'000;
}

}  // namespace vigie::alerts::rules
