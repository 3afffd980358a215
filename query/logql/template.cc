#include "query/logql/template.h"

#include <algorithm>

#include "query/logql/template_funcs.h"

namespace vigie::logql {
namespace {

const gotemplate::Dialect& LokiDialect() {
  static const gotemplate::Dialect* dialect = new gotemplate::Dialect{
      {gotemplate::BuiltinFunctions(), LokiFunctions()}, /*variables_and_loops=*/false};
  return *dialect;
}

}  // namespace

std::optional<gotemplate::Value> EntryData::Field(std::string_view name) const {
  std::optional<std::string_view> value = entry_.Get(name);
  return gotemplate::Value::String(value ? std::string(*value) : std::string());
}

gotemplate::Value EntryData::Whole() const {
  gotemplate::ValueMap labels;
  for (auto& [name, value] : entry_.All()) {
    labels.emplace(std::move(name), gotemplate::Value::String(std::move(value)));
  }
  return gotemplate::Value::Map(std::move(labels), /*elem_is_string=*/true);
}

Template::Template(gotemplate::Template t) : template_(std::move(t)) {
  const std::vector<std::string>& functions = template_.reads().functions;
  uses_line_ = std::binary_search(functions.begin(), functions.end(), "__line__");
}

absl::StatusOr<Template> Template::Parse(std::string_view text) {
  absl::StatusOr<gotemplate::Template> t = gotemplate::Template::Parse(text, LokiDialect());
  if (!t.ok()) return t.status();
  return Template(*std::move(t));
}

absl::Status Template::Render(const TemplateData& data, std::string* out) const {
  return template_.Render(EntryData(data), out);
}

}  // namespace vigie::logql
