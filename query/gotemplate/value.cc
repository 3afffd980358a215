// Values: Go's type names, truth and %v printing.
#include "query/gotemplate/value.h"

#include "common/go_format.h"
#include "common/strings.h"
#include "query/gotemplate/template.h"

namespace vigie::gotemplate {

Value Value::Map(ValueMap m, bool elem_is_string) {
  Value v;
  v.type = Type::kMap;
  v.map = std::make_shared<const ValueMap>(std::move(m));
  v.elem_is_string = elem_is_string;
  return v;
}

Value Value::StringMap(const std::map<std::string, std::string>& m) {
  ValueMap values;
  for (const auto& [name, value] : m) values.emplace(name, String(value));
  return Map(std::move(values), true);
}

Value Value::List(ValueList l, std::string_view type_name) {
  Value v;
  v.type = Type::kList;
  v.list = std::make_shared<const ValueList>(std::move(l));
  v.list_type = type_name;
  return v;
}

Value Value::Struct(StructValue s) {
  Value v;
  v.type = Type::kStruct;
  v.strct = std::make_shared<const StructValue>(std::move(s));
  return v;
}

Value Resolve(const Value& v, const Data& data) {
  return v.type == Value::Type::kRoot ? data.Whole() : v;
}

std::string TypeName(const Value& v, const Data& data) {
  switch (v.type) {
    case Value::Type::kNil:
      return "<nil>";
    case Value::Type::kString:
      return "string";
    case Value::Type::kInt:
      return "int";
    case Value::Type::kFloat:
      return "float64";
    case Value::Type::kBool:
      return "bool";
    case Value::Type::kTime:
      return "time.Time";
    case Value::Type::kMap:
      return v.elem_is_string ? "map[string]string" : "map[string]interface {}";
    case Value::Type::kList:
      return v.list_type.empty() ? "[]interface {}" : std::string(v.list_type);
    case Value::Type::kStruct:
      return StrCat(v.strct->pointer ? "*" : "", v.strct->type_name);
    case Value::Type::kRoot:
      return TypeName(data.Whole(), data);
  }
  return "?";
}

bool Truth(const Value& v, const Data& data) {
  switch (v.type) {
    case Value::Type::kNil:
      return false;
    case Value::Type::kString:
      return !v.str.empty();
    case Value::Type::kInt:
      return v.i != 0;
    case Value::Type::kFloat:
      return v.f != 0;
    case Value::Type::kBool:
      return v.b;
    case Value::Type::kTime:
    case Value::Type::kStruct:
      return true;
    case Value::Type::kMap:
      return !v.map->empty();
    case Value::Type::kList:
      return !v.list->empty();
    case Value::Type::kRoot:
      return Truth(data.Whole(), data);
  }
  return false;
}

void AppendValue(const Value& v, const Data& data, std::string* out) {
  switch (v.type) {
    case Value::Type::kNil:
      out->append("<nil>");
      return;
    case Value::Type::kString:
      out->append(v.str);
      return;
    case Value::Type::kInt:
      StrAppend(out, v.i);
      return;
    case Value::Type::kFloat:
      out->append(FormatGoFloat(v.f));
      return;
    case Value::Type::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case Value::Type::kTime:
      out->append(TimeString(v.i));
      return;
    case Value::Type::kMap: {
      out->append("map[");
      bool first = true;
      for (const auto& [key, value] : *v.map) {
        StrAppend(out, first ? "" : " ", key, ":");
        AppendValue(value, data, out);
        first = false;
      }
      out->append("]");
      return;
    }
    case Value::Type::kList: {
      out->append("[");
      for (size_t i = 0; i < v.list->size(); ++i) {
        if (i > 0) out->append(" ");
        AppendValue((*v.list)[i], data, out);
      }
      out->append("]");
      return;
    }
    case Value::Type::kStruct: {
      out->append(v.strct->pointer ? "&{" : "{");
      for (size_t i = 0; i < v.strct->fields.size(); ++i) {
        if (i > 0) out->append(" ");
        AppendValue(v.strct->fields[i].second, data, out);
      }
      out->append("}");
      return;
    }
    case Value::Type::kRoot:
      AppendValue(data.Whole(), data, out);
      return;
  }
}

}  // namespace vigie::gotemplate
