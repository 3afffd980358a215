#include "query/gotemplate/alert_template.h"

#include "common/strings.h"
#include "query/gotemplate/alert_data.h"

namespace vigie::gotemplate {
namespace {

// What Prometheus's rules package prepends to every annotation and label template.
constexpr std::string_view kPreamble =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

constexpr std::string_view kFields[] = {"Labels", "ExternalLabels", "ExternalURL", "Value"};

}  // namespace

std::optional<Value> AlertData::Field(std::string_view name) const {
  if (name == kFields[0]) return Value::StringMap(alert_.labels);
  if (name == kFields[1]) return Value::StringMap(alert_.external_labels);
  if (name == kFields[2]) return Value::String(alert_.external_url);
  if (name == kFields[3]) return Value::Float(alert_.value);
  if (name == "Anomaly") {  // Not in Whole(): Prometheus's data has no such field.
    ValueMap map;
    for (const auto& [key, v] : alert_.anomaly) map.emplace(key, Value::Float(v));
    return Value::Map(std::move(map), /*elem_is_string=*/false);
  }
  return std::nullopt;
}

Value AlertData::Whole() const {
  StructValue s;
  s.type_name =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value float64 }";
  for (std::string_view name : kFields) s.fields.emplace_back(name, *Field(name));
  return Value::Struct(std::move(s));
}

const Dialect& PrometheusDialect() {
  static const Dialect* dialect =
      new Dialect{{BuiltinFunctions(), PrometheusFunctions()}, /*variables_and_loops=*/true};
  return *dialect;
}

absl::StatusOr<AlertTemplate> AlertTemplate::Parse(std::string_view text,
                                                   std::string_view rule_name) {
  std::string name = StrCat("__alert_", rule_name);
  absl::StatusOr<Template> t = Template::Parse(Source{text, kPreamble, name}, PrometheusDialect());
  if (!t.ok()) return t.status();
  return AlertTemplate(*std::move(t), std::move(name));
}

absl::StatusOr<std::string> AlertTemplate::Expand(const AlertTemplateData& data) const {
  std::string out;
  absl::Status s = template_.Render(AlertData(data), &out);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        StrCat("error executing template ", name_, ": ", s.message()));
  }
  return out;
}

std::string AlertTemplate::ExpandOrError(const AlertTemplateData& data) const {
  absl::StatusOr<std::string> out = Expand(data);
  if (out.ok()) return *std::move(out);
  return StrCat("<error expanding template: ", out.status().message(), ">");
}

}  // namespace vigie::gotemplate
