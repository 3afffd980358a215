// OTLP attribute values (AnyValue) as text: label values, log lines, logfmt fields.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/labels.h"
#include "google/protobuf/repeated_field.h"
#include "nlohmann/json.hpp"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace vigie::server::otlp {

namespace otlp_common = opentelemetry::proto::common::v1;
using Attributes = google::protobuf::RepeatedPtrField<otlp_common::KeyValue>;

// The value as JSON: strings, numbers (int64 exactly), booleans, arrays, objects for key-value
// lists, base64 for bytes, null when unset. Strings that are not valid UTF-8 have their invalid
// bytes replaced by U+FFFD.
nlohmann::json AnyValueJson(const otlp_common::AnyValue& value);

// The value as a label value or a log line: a string as it is, anything else as AnyValueJson's
// text (so 42, true, [1,2], {"a":1}); an unset value is "".
std::string AnyValueText(const otlp_common::AnyValue& value);

// Attributes as labels: names by PromLabelName, values by AnyValueText. Keys that sanitize to the
// same name have their values joined by ';' in the order of their original keys, as the
// compatibility spec says. Sorted by name; empty values left in (the canonical form drops them).
std::vector<Label> AttributeLabels(const Attributes& attributes);

// The string value of attribute `key`, or "" when absent.
std::string StringAttribute(const Attributes& attributes, std::string_view key);

}  // namespace vigie::server::otlp
