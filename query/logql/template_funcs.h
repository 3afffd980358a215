// LogQL's side of the template engine (query/gotemplate): the data a template renders, one log
// entry, and Loki's function table. Internal to vigie_logql.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "query/gotemplate/template.h"
#include "query/logql/template.h"

namespace vigie::logql {

// A log entry as the template's dot: a map[string]string of its labels, where a missing label
// is "" (Loki executes over a map of strings with missingkey=zero).
class EntryData : public gotemplate::Data {
 public:
  explicit EntryData(const TemplateData& entry) : entry_(entry) {}
  std::optional<gotemplate::Value> Field(std::string_view name) const override;
  gotemplate::Value Whole() const override;
  const TemplateData& entry() const { return entry_; }

 private:
  const TemplateData& entry_;
};

// The entry behind the data of a LogQL template: LogQL's templates render only EntryData.
inline const TemplateData& Entry(const gotemplate::Data& data) {
  return static_cast<const EntryData&>(data).entry();
}

// Loki's own functions and the sprig ones it enables (Go's builtins are gotemplate's).
std::span<const gotemplate::Function> LokiFunctions();

}  // namespace vigie::logql
