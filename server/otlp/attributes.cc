#include "server/otlp/attributes.h"

#include <algorithm>
#include <map>

#include "absl/strings/escaping.h"
#include "common/utf8.h"
#include "server/otlp/prom_names.h"

namespace vigie::server::otlp {

nlohmann::json AnyValueJson(const otlp_common::AnyValue& value) {
  using V = otlp_common::AnyValue;
  switch (value.value_case()) {
    case V::kStringValue:
      return ValidUtf8(value.string_value());
    case V::kBoolValue:
      return value.bool_value();
    case V::kIntValue:
      return value.int_value();
    case V::kDoubleValue:
      return value.double_value();
    case V::kBytesValue:
      return absl::Base64Escape(value.bytes_value());
    case V::kArrayValue: {
      nlohmann::json array = nlohmann::json::array();
      for (const V& item : value.array_value().values()) array.push_back(AnyValueJson(item));
      return array;
    }
    case V::kKvlistValue: {
      nlohmann::json object = nlohmann::json::object();
      for (const otlp_common::KeyValue& kv : value.kvlist_value().values()) {
        object[ValidUtf8(kv.key())] = AnyValueJson(kv.value());
      }
      return object;
    }
    case V::VALUE_NOT_SET:
      break;
  }
  return nullptr;
}

std::string AnyValueText(const otlp_common::AnyValue& value) {
  if (value.value_case() == otlp_common::AnyValue::kStringValue) return value.string_value();
  if (value.value_case() == otlp_common::AnyValue::VALUE_NOT_SET) return "";
  // NaN and infinities have no JSON form: nlohmann writes null, and so do we.
  return AnyValueJson(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<Label> AttributeLabels(const Attributes& attributes) {
  // name -> (original key -> value): joined in the order of the original keys.
  std::map<std::string, std::map<std::string, std::string>> by_name;
  for (const otlp_common::KeyValue& kv : attributes) {
    by_name[PromLabelName(kv.key())][kv.key()] = AnyValueText(kv.value());
  }
  std::vector<Label> labels;
  labels.reserve(by_name.size());
  for (auto& [name, values] : by_name) {
    std::string joined;
    for (auto& [key, value] : values) {
      if (!joined.empty()) joined.push_back(';');
      joined += value;
    }
    labels.push_back({name, std::move(joined)});
  }
  return labels;
}

std::string StringAttribute(const Attributes& attributes, std::string_view key) {
  for (const otlp_common::KeyValue& kv : attributes) {
    if (kv.key() == key) return AnyValueText(kv.value());
  }
  return "";
}

}  // namespace vigie::server::otlp
