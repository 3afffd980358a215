// Reads one YAML mapping of the notify file (a receiver's slack_configs[0], its http_config, the
// global section) into typed fields, keeping the first error with file, line, receiver and field
// path, so that the builders read straight through and check once at the end.
//
// Thread safety: none; a reader is used by one builder call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "yaml-cpp/yaml.h"

namespace vigie::alerts::notify {

class ConfigReader {
 public:
  // `node` must be a map (or null: every field absent); `where` names it in errors, as
  // `receiver "dev": slack_configs[0]`. `file` is the notify file's path.
  ConfigReader(const YAML::Node& node, std::string_view file, std::string where);

  // Each reads field `key` when present, leaves *out unchanged when absent, and records an
  // error when it has the wrong type.
  void String(std::string_view key, std::string* out);
  void Bool(std::string_view key, bool* out);
  void Uint(std::string_view key, uint64_t* out);
  void StringMap(std::string_view key, std::map<std::string, std::string>* out);
  void StringList(std::string_view key, std::vector<std::string>* out);
  // The file named by field `key`, read whole and trimmed of surrounding whitespace (as
  // Alertmanager reads api_url_file and its kin).
  void FileContents(std::string_view key, std::string* out);
  // The sub-node `key` (undefined when absent) and a reader for it (`key` appended to where).
  YAML::Node Child(std::string_view key) const;
  ConfigReader Nested(const YAML::Node& node, std::string_view path) const;

  bool Has(std::string_view key) const;
  // Records an error about field `key` (or the mapping itself when `key` is empty).
  void Fail(std::string_view key, std::string_view reason);
  // Records an error for each field not in `known`.
  void RejectUnknown(std::initializer_list<std::string_view> known);
  // Records `status` when it is the first error.
  void Merge(const absl::Status& status);

  // "file:line: where.key" for messages.
  std::string Describe(std::string_view key) const;
  const absl::Status& status() const { return status_; }

 private:
  YAML::Node node_;
  std::string file_;
  std::string where_;
  absl::Status status_;
};

}  // namespace vigie::alerts::notify
