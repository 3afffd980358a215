// What the JSON stages (| json, | json a="x.y", | unpack) share to read a line with simdjson's
// On-Demand API: the per-thread parser, and how a value reads as a label (as Loki gives it).
// Internal to query/logql (stage_json.cc, stage_json_fields.cc).
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/logql/pipeline.h"
#include "query/logql/stages.h"

namespace vigie::logql::json {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Per-thread buffers: the parser and a copy of the line with the padding simdjson reads past
// its end.
struct JsonState : StageState {
  od::parser parser;
  std::string padded;
  std::string name, extracted;
  std::string line;      // | unpack: the new line.
  std::string repaired;  // | json: the members of a broken line before the break, closed.

  // Iterates the line; the document is valid until the next call.
  error_code Iterate(std::string_view line, od::document* doc) {
    padded.assign(line);
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
    return parser.iterate(simdjson::padded_string_view(padded.data(), line.size(), padded.size()))
        .get(*doc);
  }
};

inline std::string_view RawToken(std::string_view token) { return token; }
inline std::string_view RawToken(simdjson::simdjson_result<std::string_view> token) {
  std::string_view v;
  return std::move(token).get(v) ? std::string_view() : v;
}

inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

// The text of a JSON string whose contents start at `chars` (after its opening quote) and hold no
// escape: itself, without copying or unescaping it. nullopt when there is an escape. Stage 1 has
// checked that the string is closed and its bytes are UTF-8.
inline std::optional<std::string_view> PlainString(const char* chars) {
  for (const char* p = chars;; ++p) {
    if (*p == '"') return std::string_view(chars, p - chars);
    if (*p == '\\') return std::nullopt;
  }
}

// A scalar's text as Loki gives it: strings unescaped, numbers as written, booleans as
// true/false. Objects and arrays: their JSON text (path expressions only). null: "". *out points
// into the parser's buffers or the line: valid until the next value is read.
template <typename Node>
error_code ValueText(Node& node, od::json_type type, std::string_view* out) {
  std::string_view text;
  error_code error = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::string: {
      std::string_view raw = RawToken(node.raw_json_token());
      std::optional<std::string_view> plain =
          raw.empty() ? std::nullopt : PlainString(raw.data() + 1);
      if (plain) {
        text = *plain;
      } else {
        error = node.get_string().get(text);
      }
      break;
    }
    case od::json_type::number:
    case od::json_type::boolean:
      text = TrimRight(RawToken(node.raw_json_token()));
      break;
    case od::json_type::object: {
      od::object object;
      error = node.get_object().get(object);
      if (!error) error = object.raw_json().get(text);
      break;
    }
    case od::json_type::array: {
      od::array array;
      error = node.get_array().get(array);
      if (!error) error = array.raw_json().get(text);
      break;
    }
    case od::json_type::null:
      break;
  }
  *out = error ? std::string_view() : text;
  return error;
}

// | json without expressions (stage_json_fields.cc).
std::shared_ptr<const Stage> MakeJsonFieldsStage(JsonWalk walk);

inline std::string ErrorDetails(error_code error) {
  if (error == simdjson::INCORRECT_TYPE) return "the line is not a JSON object";
  return StrCat("invalid JSON: ", simdjson::error_message(error));
}

}  // namespace vigie::logql::json
