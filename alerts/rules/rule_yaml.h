// The YAML reading shared by the rule file loader's parts (rule_file.cc, rule_kinds.cc): error
// collection with the place (file, line, group, rule) and checked access to fields.
// Internal to alerts/rules.
//
// Thread safety: an ErrorList is used by one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::alerts::rules {

// The 1-based line of `node` (0 when unknown).
int LineOf(const YAML::Node& node);

// Collects errors with their place: the file, and the group and rule being read.
class ErrorList {
 public:
  explicit ErrorList(std::string_view file) : file_(file) {}

  void SetGroup(std::string_view group) { group_ = EscapeForMessage(group, 256), rule_.clear(); }
  void SetRule(std::string rule) { rule_ = std::move(rule); }

  // Adds "<file>:<line>: group "<group>", rule <rule>: <message>" (the message on one line).
  void Add(int line, std::string_view message);
  void ClearGroup() { group_.reset(), rule_.clear(); }

  bool empty() const { return errors_.empty(); }
  absl::Status ToStatus() const {
    std::string all;
    for (const std::string& e : errors_) StrAppend(&all, all.empty() ? "" : "\n", e);
    return absl::InvalidArgumentError(all);
  }

 private:
  std::string file_;
  std::optional<std::string> group_;
  std::string rule_;
  std::vector<std::string> errors_;
};

// The keys of mapping `node` after checking that each is one of `known` and appears once.
// Errors go to `errors`; `what` names the mapping ("a group"). False when it is not a mapping.
bool CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> known,
               std::string_view what, ErrorList* errors);

// A scalar field's text; false (with an error) when the node is not a scalar.
bool ScalarOf(const YAML::Node& node, std::string_view field, std::string* out, ErrorList* errors);

// A Prometheus duration field ("30s", "5m", "1h30m") of `parent`; 0 when absent.
int64_t DurationOf(const YAML::Node& parent, std::string_view field, ErrorList* errors);

}  // namespace vigie::alerts::rules
