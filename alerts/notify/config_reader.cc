#include "alerts/notify/config_reader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

// yaml-cpp's line numbers are 0-based; editors' are 1-based.
int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

}  // namespace

ConfigReader::ConfigReader(const YAML::Node& node, std::string_view file, std::string where)
    : node_(node), file_(file), where_(std::move(where)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    Fail("", "must be a mapping of fields");
  }
}

std::string ConfigReader::Describe(std::string_view key) const {
  YAML::Node at = key.empty() ? node_ : Child(key);
  int line = at.IsDefined() && at.Mark().line >= 0 ? LineOf(at)
             : node_.Mark().line >= 0              ? LineOf(node_)
                                                   : 0;
  std::string place = line > 0 ? StrCat(file_, ":", line) : std::string(file_);
  if (key.empty()) return StrCat(place, ": ", where_);
  return StrCat(place, ": ", where_, where_.empty() ? "" : ": ", key);
}

void ConfigReader::Fail(std::string_view key, std::string_view reason) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(StrCat(Describe(key), ": ", reason));
}

void ConfigReader::Merge(const absl::Status& status) {
  if (status_.ok()) status_ = status;
}

bool ConfigReader::Has(std::string_view key) const {
  YAML::Node child = Child(key);
  return child.IsDefined() && !child.IsNull();
}

YAML::Node ConfigReader::Child(std::string_view key) const {
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& item : node_) {
    if (item.first.IsScalar() && item.first.Scalar() == key) return item.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

ConfigReader ConfigReader::Nested(const YAML::Node& node, std::string_view path) const {
  // `receiver "dev" slack_configs[0].http_config`: a space after the quoted name, dots below.
  std::string_view separator = where_.ends_with('"') ? " " : ".";
  return ConfigReader(node, file_,
                      where_.empty() ? std::string(path) : StrCat(where_, separator, path));
}

void ConfigReader::String(std::string_view key, std::string* out) {
  YAML::Node child = Child(key);
  if (!child.IsDefined() || child.IsNull()) return;
  if (!child.IsScalar()) return Fail(key, "must be a string");
  *out = child.Scalar();
}

void ConfigReader::Bool(std::string_view key, bool* out) {
  YAML::Node child = Child(key);
  if (!child.IsDefined() || child.IsNull()) return;
  try {
    *out = child.as<bool>();
  } catch (const YAML::Exception&) {
    Fail(key, "must be true or false");
  }
}

void ConfigReader::Uint(std::string_view key, uint64_t* out) {
  YAML::Node child = Child(key);
  if (!child.IsDefined() || child.IsNull()) return;
  try {
    *out = child.as<uint64_t>();
  } catch (const YAML::Exception&) {
    Fail(key, "must be a non-negative integer");
  }
}

void ConfigReader::StringMap(std::string_view key, std::map<std::string, std::string>* out) {
  YAML::Node child = Child(key);
  if (!child.IsDefined() || child.IsNull()) return;
  if (!child.IsMap()) return Fail(key, "must be a mapping of strings");
  for (const auto& item : child) {
    if (!item.first.IsScalar() || !item.second.IsScalar()) {
      return Fail(key, "must be a mapping of strings");
    }
    (*out)[item.first.Scalar()] = item.second.Scalar();
  }
}

void ConfigReader::StringList(std::string_view key, std::vector<std::string>* out) {
  YAML::Node child = Child(key);
  if (!child.IsDefined() || child.IsNull()) return;
  if (!child.IsSequence()) return Fail(key, "must be a list of strings");
  for (const auto& item : child) {
    if (!item.IsScalar()) return Fail(key, "must be a list of strings");
    out->push_back(item.Scalar());
  }
}

void ConfigReader::FileContents(std::string_view key, std::string* out) {
  std::string path;
  String(key, &path);
  if (path.empty()) return;
  std::ifstream in(path);
  if (!in) return Fail(key, StrCat("cannot read ", path, ": check that it exists and is readable"));
  std::stringstream text;
  text << in.rdbuf();
  *out = std::string(TrimAsciiSpace(text.str()));
}

void ConfigReader::RejectUnknown(std::initializer_list<std::string_view> known) {
  if (!node_.IsMap()) return;
  for (const auto& item : node_) {
    std::string name = item.first.IsScalar() ? item.first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view k : known) StrAppend(&list, list.empty() ? "" : ", ", k);
      Fail(name, StrCat("unknown field; the fields vigie reads here are ", list));
    }
  }
}

}  // namespace vigie::alerts::notify
