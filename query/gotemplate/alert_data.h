// The data of Prometheus's rule templates (its template.AlertTemplateData struct) and the function
// table that reads it. Internal to vigie_gotemplate.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "query/gotemplate/alert_template.h"

namespace vigie::gotemplate {

// {Labels, ExternalLabels, ExternalURL, Value} over an AlertTemplateData, which it references.
class AlertData : public Data {
 public:
  explicit AlertData(const AlertTemplateData& alert) : alert_(alert) {}
  std::optional<Value> Field(std::string_view name) const override;
  Value Whole() const override;
  const AlertTemplateData& alert() const { return alert_; }

 private:
  const AlertTemplateData& alert_;
};

// The alert behind the data of a Prometheus template: those templates render only AlertData.
inline const AlertTemplateData& Alert(const Data& data) {
  return static_cast<const AlertData&>(data).alert();
}

// Prometheus's template functions (template.go's FuncMap).
std::span<const Function> PrometheusFunctions();

}  // namespace vigie::gotemplate
