// TemplateData over a map of labels, for the template tests and fuzz target.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/logql/template.h"

namespace vigie::logql {

class MapTemplateData : public TemplateData {
 public:
  using Labels = std::map<std::string, std::string>;
  explicit MapTemplateData(Labels labels, std::string line = "", int64_t ts = 0)
      : labels_(std::move(labels)), line_(std::move(line)), ts_(ts) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = labels_.find(std::string(name));
    if (it == labels_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::pair<std::string, std::string>> All() const override {
    return {labels_.begin(), labels_.end()};
  }
  std::string_view line() const override { return line_; }
  int64_t timestamp_ns() const override { return ts_; }

 private:
  Labels labels_;
  std::string line_;
  int64_t ts_;
};

}  // namespace vigie::logql
